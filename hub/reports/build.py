"""One report, built: its figures, its charts, and its files (HTML, CSV, PNG).

``build_report`` is what the API, the CLI and the scheduled runner call; it takes the
session and every input explicitly (``now`` included), never a clock or settings.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hub.reports.charts import heatmap_chart, utilization_chart
from hub.reports.csv_out import render_csv
from hub.reports.data import ReportData, gather
from hub.reports.html_out import CHARTS, data_uris, render_html, title_of
from hub.reports.periods import Period, span_of
from hub.reports.scope import Audience, Focus

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "png": "image/png",
}


@dataclass(frozen=True, slots=True)
class ReportFile:
    name: str  # report.html, report.csv, utilization.png, heatmap.png
    content_type: str
    content: bytes


@dataclass(slots=True)
class BuiltReport:
    data: ReportData
    _charts: dict[str, bytes] | None = None

    @property
    def title(self) -> str:
        return title_of(self.data)

    @property
    def charts(self) -> dict[str, bytes]:
        """Name of :data:`CHARTS` -> PNG, drawn on first use (a CSV needs none)."""
        if self._charts is None:
            label = self.data.span.label
            self._charts = {
                "utilization": utilization_chart(self.data.rooms, f"Utilization per room, {label}"),
                "heatmap": heatmap_chart(
                    self.data.heatmap, f"Occupied per weekday and hour, {label}"
                ),
            }
            assert set(self._charts) == set(CHARTS)
        return self._charts

    def html(self) -> bytes:
        """The page with its charts inside as data: URIs (stands alone)."""
        return render_html(self.data, data_uris(self.charts)).encode()

    def csv(self) -> bytes:
        return render_csv(self.data)

    def files(self) -> list[ReportFile]:
        return [
            ReportFile("report.html", CONTENT_TYPES["html"], self.html()),
            ReportFile("report.csv", CONTENT_TYPES["csv"], self.csv()),
            *(
                ReportFile(f"{name}.png", CONTENT_TYPES["png"], png)
                for name, png in self.charts.items()
            ),
        ]


def build_report(
    session: Session,
    *,
    period: Period,
    day: dt.date,
    audience: Audience,
    focus: Focus | None = None,
    now: dt.datetime,
) -> BuiltReport:
    """The ``period`` report that contains local date ``day``. Raises ScopeNotFound for a
    focus outside the audience."""
    return BuiltReport(gather(session, span_of(period, day), audience, focus or Focus(), now))
