"""Utilization reports: on demand, and the scheduled runs with their files.

Staff only (admin and facilities). A facilities user's reports cover their department's
spaces and shared ones (hub/reports/scope.py); stored runs are listed and served only to
the callers of the audience they were built for (404 for the others, as if missing).
Periods are local dates in each space's time zone; weeks are ISO weeks (Monday-Sunday).
docs/reports.md.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from hub.api.common import (
    EARLIEST,
    LATEST,
    MAX_ROW_ID,
    Day,
    Limit,
    Offset,
    Staff,
    UtcTime,
    bad_input,
    not_found,
)
from hub.api.errors import NOT_FOUND
from hub.auth.roles import Principal
from hub.reports.build import CONTENT_TYPES, build_report
from hub.reports.html_out import CHARTS
from hub.reports.periods import Period, check_period, previous_span
from hub.reports.runner import reports_zone
from hub.reports.scope import Audience, Focus, ScopeNotFound
from hub.reports.store import file_url, get_file, list_runs
from hub.state import ClockDep, SessionDep, SettingsDep

router = APIRouter(prefix="/reports", tags=["reports"])

Format = Literal["html", "csv", "png"]
Chart = Literal["utilization", "heatmap"]
FileName = Annotated[
    str, Path(pattern=r"^[a-z]{1,20}\.(html|csv|png)$", description="e.g. report.html")
]
_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (text/html, text/csv or image/png by `format`).",
        "content": {"text/html": {}, "text/csv": {}, "image/png": {}},
    }
}


def _readable(caller: Principal) -> list[str] | None:
    """Audiences of stored runs this caller may read; None: all (an admin)."""
    return None if caller.is_admin else [Audience.of(caller).key]


class FileOut(BaseModel):
    name: str
    content_type: str
    size: int = Field(description="Bytes")
    url: str = Field(description="Where to download it (the same token)")


class RunOut(BaseModel):
    id: int
    period: Period
    first_date: dt.date = Field(description="First local date of the period")
    last_date: dt.date = Field(description="Last local date of the period (inclusive)")
    audience: str = Field(description="all | shared | department:<id>")
    created_at: UtcTime
    as_of: UtcTime | None = Field(description="When the rollups behind the figures were refreshed")
    files: list[FileOut]


@router.get("", summary="Scheduled reports built so far, newest period first")
def runs(
    caller: Staff,
    session: SessionDep,
    period: Period | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[RunOut]:
    found = list_runs(
        session, audience_keys=_readable(caller), period=period, limit=limit, offset=offset
    )
    return [
        RunOut(
            id=run.id,
            period=check_period(run.period),
            first_date=run.first_day,
            last_date=run.last_day - dt.timedelta(days=1),
            audience=run.audience,
            created_at=run.created_at,
            as_of=run.as_of,
            files=[
                FileOut(
                    name=f.name,
                    content_type=f.content_type,
                    size=f.size,
                    url=file_url(run.id, f.name),
                )
                for f in run.files
            ],
        )
        for run in found
    ]


@router.get(
    "/runs/{run_id}/{file_name}",
    summary="One file of a scheduled report",
    response_class=Response,
    responses={**NOT_FOUND, **_CONTENT},
)
def run_file(
    caller: Staff,
    session: SessionDep,
    run_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    file_name: FileName,
) -> Response:
    row = get_file(session, run_id, file_name, _readable(caller))
    if row is None:
        raise not_found("report file", f"{run_id}/{file_name}")
    return Response(row.content, media_type=row.content_type, headers=_disposition(file_name))


@router.get(
    "/{period}",
    summary="A daily, weekly or monthly report, built now",
    response_class=Response,
    responses={**NOT_FOUND, **_CONTENT},
)
def on_demand(
    caller: Staff,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    period: Period,
    day: Annotated[
        Day | None,
        Query(
            alias="date",
            description="A local date inside the period; default: the last whole period "
            "(yesterday, last week, last month) in the reports' time zone",
        ),
    ] = None,
    format: Format = "html",
    chart: Annotated[Chart, Query(description="Which chart, for format=png")] = "utilization",
    scope: Annotated[
        str | None, Query(description="all (default), site:ID, building:ID or floor:ID")
    ] = None,
) -> Response:
    try:
        focus = Focus.parse(scope)
    except ValueError as error:
        raise bad_input(str(error)) from None
    now = clock.now()
    if day is None:
        try:
            zone = reports_zone(session, settings.reports_timezone)
        except ValueError as error:
            raise bad_input(str(error)) from None
        day = previous_span(period, now.astimezone(zone).date()).first
    elif not EARLIEST.year <= day.year < LATEST.year:
        raise bad_input(
            f"date={day} is out of range: use a date from {EARLIEST.year} to {LATEST.year - 1}"
        )
    try:
        built = build_report(
            session, period=period, day=day, audience=Audience.of(caller), focus=focus, now=now
        )
    except ScopeNotFound:
        raise not_found(focus.level, focus.id) from None
    stem = f"quorum-{period}-{built.data.span.first.isoformat()}"
    content: Any
    if format == "html":
        content, name = built.html(), f"{stem}.html"
    elif format == "csv":
        content, name = built.csv(), f"{stem}.csv"
    else:
        assert chart in CHARTS
        content, name = built.charts[chart], f"{stem}-{chart}.png"
    return Response(content, media_type=CONTENT_TYPES[format], headers=_disposition(name))


def _disposition(name: str) -> dict[str, str]:
    kind = "attachment" if name.endswith(".csv") else "inline"
    return {"Content-Disposition": f'{kind}; filename="{name}"'}
