"""The report as an e-mail-ready HTML page (jinja2 template ``templates/report.html``).

Mail programs ignore ``<style>`` blocks and most layout CSS, so the page is nested tables
with inline ``style`` attributes only. Charts are ``<img>`` elements whose sources the caller
chooses: ``data:`` URIs for a page that stands alone (the API, the CLI, stored runs), or
``cid:`` references to the related parts of a MIME message (hub.reports.mail).
"""

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from hub.analytics.k_anonymity import MIN_GROUP
from hub.reports.charts import SIZE_PX
from hub.reports.data import ReportData
from hub.reports.scope import ALL, SHARED

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

_FONT = "font-family:Arial,Helvetica,sans-serif;"
_CELL = "padding:4px 6px;border-bottom:1px solid #e0e0e0;font-size:13px;"
STYLES = {
    "body": f"margin:0;padding:0;background:#f4f4f4;color:#222222;{_FONT}",
    "outer": "background:#f4f4f4;",
    "page": "background:#ffffff;border:1px solid #dddddd;",
    "h1": f"margin:0 0 8px 0;font-size:22px;color:#08306b;{_FONT}",
    "h2": f"margin:20px 0 6px 0;font-size:16px;color:#08306b;{_FONT}",
    "meta": f"margin:0;font-size:12px;color:#666666;{_FONT}",
    "text": f"margin:0;font-size:13px;{_FONT}",
    "note": f"margin:20px 0 0 0;font-size:11px;color:#666666;{_FONT}",
    "table": "border-collapse:collapse;",
    "th": f"{_CELL}text-align:right;background:#deebf7;{_FONT}",
    "th_left": f"{_CELL}text-align:left;background:#deebf7;{_FONT}",
    "td": f"{_CELL}text-align:right;{_FONT}",
    "td_left": f"{_CELL}text-align:left;{_FONT}",
    "img": "display:block;border:0;max-width:100%;height:auto;margin:8px 0;",
}

#: The charts of a report: name -> what it shows.
CHARTS = {
    "utilization": "Utilization and booked share per room",
    "heatmap": "Share of time occupied per weekday and hour",
}


def title_of(report: ReportData) -> str:
    return f"Room utilization, {report.span.period}: {report.span.label}"


def audience_text(report: ReportData) -> str:
    key = report.audience.key
    if key == ALL:
        return "all departments"
    if key == SHARED:
        return "shared spaces"
    return f"department {report.audience.department_id} and shared spaces"


def data_uris(charts: dict[str, bytes]) -> dict[str, str]:
    return {
        name: "data:image/png;base64," + base64.b64encode(png).decode()
        for name, png in charts.items()
    }


def render_html(report: ReportData, images: dict[str, str]) -> str:
    """The page; ``images`` maps each name of :data:`CHARTS` to the URL of its PNG."""
    missing = set(CHARTS) - set(images)
    if missing:
        raise ValueError(f"no image URL for chart(s) {', '.join(sorted(missing))}")
    as_of = report.as_of.isoformat(timespec="seconds") if report.as_of else "never (no rollups)"
    return _ENV.get_template("report.html").render(
        report=report,
        total=report.total,
        title=title_of(report),
        audience_text=audience_text(report),
        as_of_text=as_of,
        last_date=report.span.last.fromordinal(report.span.last.toordinal() - 1),
        images=images,
        size=SIZE_PX,
        styles=STYLES,
        min_group=MIN_GROUP,
    )
