"""State of the time-series export (docs/timeseries.md): is it running, is the server
accepting points, and how far behind the SQL store each kind of point is."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hub.api.common import Staff, UtcTime
from hub.state import HubStateDep, SessionDep
from hub.timeseries.service import TimeSeriesService

router = APIRouter(tags=["timeseries"])


class SourceOut(BaseModel):
    name: str = Field(description="What is exported, e.g. occupancy_changes.")
    cursor: int = Field(description="Last row id (or minute, or day ordinal) the server has.")
    cursor_updated_at: UtcTime | None
    behind_rows: int | None = Field(description="Rows not yet written (id-based sources).")
    behind_seconds: float | None = Field(
        description="How long settled data has waited (time-based sources)."
    )


class TimeSeriesStatusOut(BaseModel):
    enabled: bool = Field(description="false: QUORUM_TIMESERIES_URL is not set.")
    running: bool
    exporting: bool = Field(
        description="This worker holds the export lock (only one worker exports at a time)."
    )
    url: str | None
    bucket: str | None
    points_written: int = Field(description="By this worker since it started.")
    last_success_at: UtcTime | None
    last_error: str | None
    last_error_at: UtcTime | None
    consecutive_failures: int
    sources: list[SourceOut]


@router.get("/timeseries/status", summary="Time-series export: server reachable, cursor lag")
def timeseries_status(_: Staff, state: HubStateDep, session: SessionDep) -> TimeSeriesStatusOut:
    service = state.timeseries
    if not isinstance(service, TimeSeriesService):
        return TimeSeriesStatusOut(
            enabled=False,
            running=False,
            exporting=False,
            url=None,
            bucket=None,
            points_written=0,
            last_success_at=None,
            last_error=None,
            last_error_at=None,
            consecutive_failures=0,
            sources=[],
        )
    current = service.state()
    stats = current.stats
    sources = [
        SourceOut(
            name=s.name,
            cursor=s.cursor,
            cursor_updated_at=s.cursor_updated_at,
            behind_rows=s.behind_rows,
            behind_seconds=s.behind_seconds,
        )
        for s in service.exporter.source_status(session)
    ]
    return TimeSeriesStatusOut(
        enabled=True,
        running=current.running,
        exporting=current.leader,
        url=current.url,
        bucket=current.bucket,
        points_written=stats.points_written,
        last_success_at=stats.last_success_at,
        last_error=stats.last_error,
        last_error_at=stats.last_error_at,
        consecutive_failures=stats.consecutive_failures,
        sources=sources,
    )
