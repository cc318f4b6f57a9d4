"""``python -m hub report daily|weekly|monthly``: one report, written to a file.

The operator's way to the same report the API builds (docs/reports.md). By default it covers
every department (``--department ID``: that department's spaces and shared ones, what its
facilities staff get) and first brings the analytics rollups up to now (``--no-refresh``:
as they are). Output per GUIDE section 10: ``--json`` prints one JSON object on stdout; exit
1 for bad input (a date, a scope, an unknown department), 2 for wrong usage.
"""

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Literal

import typer

from common.clock import SystemClock
from hub.analytics.rollups import refresh_rollups
from hub.db.engine import one_session
from hub.db.models import Department
from hub.reports.build import build_report
from hub.reports.mail import report_email
from hub.reports.periods import Period, previous_span
from hub.reports.runner import reports_zone
from hub.reports.scope import ALL, Audience, Focus, ScopeNotFound

FileFormat = Literal["html", "csv", "eml"]


def report_command(
    period: Annotated[Period, typer.Argument(help="daily, weekly or monthly.")],
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="A local date (YYYY-MM-DD) inside the period; default: the last whole one.",
        ),
    ] = None,
    file_format: Annotated[
        FileFormat,
        typer.Option(
            "--format", help="html (charts inside), csv, or eml (a MIME e-mail with --to)."
        ),
    ] = "html",
    scope: Annotated[
        str, typer.Option("--scope", help="all, site:ID, building:ID or floor:ID.")
    ] = "all",
    department: Annotated[
        str | None,
        typer.Option("--department", help="Only this department's and shared spaces."),
    ] = None,
    to: Annotated[
        list[str] | None, typer.Option("--to", help="Recipient, for --format eml (repeatable).")
    ] = None,
    sender: Annotated[
        str, typer.Option("--from", help="Sender, for --format eml.")
    ] = "Quorum hub <quorum@localhost>",
    refresh: Annotated[
        bool, typer.Option("--refresh/--no-refresh", help="Bring the rollups up to now first.")
    ] = True,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Build one utilization report and write it to a file."""
    from hub.cli import fail, prepared_settings  # the hub's CLI helpers (no import cycle)

    try:
        focus = Focus.parse(scope)
        chosen = dt.date.fromisoformat(day) if day is not None else None
    except ValueError as error:
        fail(f"--date/--scope: {error}")
    if file_format == "eml" and not to:
        fail("--format eml needs at least one --to address")
    settings = prepared_settings()
    now = SystemClock().now()
    with one_session(settings.database_url) as session:
        if department is not None and session.get(Department, department) is None:
            fail(f"no department {department!r}")
        audience = Audience(ALL if department is None else f"department:{department}")
        if chosen is None:
            try:
                zone = reports_zone(session, settings.reports_timezone)
            except ValueError as error:
                fail(str(error))
            chosen = previous_span(period, now.astimezone(zone).date()).first
        if refresh:
            refresh_rollups(session, now)
            session.commit()
        try:
            built = build_report(
                session, period=period, day=chosen, audience=audience, focus=focus, now=now
            )
        except ScopeNotFound as error:
            fail(str(error))
    if file_format == "html":
        content = built.html()
    elif file_format == "csv":
        content = built.csv()
    else:
        content = bytes(report_email(built, sender=sender, to=list(to or [])))
    try:
        out.write_bytes(content)
    except OSError as error:
        fail(f"cannot write {out}: {error}")
    span = built.data.span
    document = {
        "period": span.period,
        "first_date": span.first.isoformat(),
        "last_date": (span.last - dt.timedelta(days=1)).isoformat(),
        "audience": audience.key,
        "scope": focus.text,
        "format": file_format,
        "out": str(out),
        "size_bytes": len(content),
        "rooms": len(built.data.rooms),
    }
    if json_output:
        print(json.dumps(document))
    else:
        print(f"{built.title} ({audience.key}, scope {focus.text}): {len(content)} bytes to {out}")
