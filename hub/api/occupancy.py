"""Occupancy history of one room or desk: a timeline plus the raw changes behind it.

The timeline comes from hub.analytics (unknown where the terminal was offline
or had not reported yet); the raw changes are what the terminal sent, for
explanations ("why does it say occupied at 07:12?").
"""

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.analytics.headcount import band_label
from hub.analytics.report import MAX_RANGE, UnknownSpaceError, occupancy_history
from hub.analytics.timeline import State
from hub.api.common import Staff, TimeRange, UtcTime, bad_input, not_found, time_range
from hub.api.errors import NOT_FOUND
from hub.auth.scope import visible_desk, visible_room
from hub.db.models import OccupancyChange
from hub.state import SessionDep

router = APIRouter(tags=["occupancy"])

# Raw changes are capped per answer; the timeline is always complete.
MAX_CHANGES = 5000

HistoryRange = Annotated[TimeRange, Depends(time_range(timedelta(hours=24), MAX_RANGE))]


class SegmentOut(BaseModel):
    start: UtcTime
    end: UtcTime
    state: State


class ChangeOut(BaseModel):
    ts: UtcTime = Field(description="When it happened, by the terminal's clock.")
    occupied: bool = Field(
        description="A repeat of the previous value is a band change, not a change of state."
    )
    signals: list[str] = Field(
        description="What decided the state, strongest first: sensor ids, and with fusion "
        '"speech", "co2", "door_sealed".'
    )
    initial: bool = Field(description="The terminal's first report after it started.")
    device_id: str
    probability: float | None = Field(
        description="Fused P(occupied) (null: a terminal without fusion)."
    )
    band: int | None = Field(description="Headcount band (null: number unknown).")
    band_top: int | None = Field(description='The top band: band == band_top means "or more".')
    band_label: str | None = Field(description='The band as shown, e.g. "2" or "3+".')
    band_confidence: float | None


class OccupancyOut(BaseModel):
    space_kind: Literal["room", "desk"]
    space_id: str
    start: UtcTime
    end: UtcTime
    occupied_s: float = Field(description="Seconds occupied within the range (any time of day).")
    vacant_s: float
    unknown_s: float = Field(description="Seconds without data, including the future part.")
    segments: list[SegmentOut]
    changes: list[ChangeOut]
    changes_truncated: bool = Field(
        description=f"More than {MAX_CHANGES} changes: only the first shown."
    )


def _history(
    session: Session, kind: Literal["room", "desk"], space_id: str, rng: TimeRange
) -> OccupancyOut:
    try:
        segments = occupancy_history(
            session, space_kind=kind, space_id=space_id, start=rng.start, end=rng.end, now=rng.now
        )
    except UnknownSpaceError:
        raise not_found(kind, space_id) from None
    except ValueError as error:
        raise bad_input(str(error)) from None
    totals = dict.fromkeys(State, 0.0)
    for segment in segments:
        totals[segment.state] += (segment.end - segment.start).total_seconds()
    # Segments stop at now; the rest of the range (the future) is unknown too.
    totals[State.UNKNOWN] += (rng.end - rng.start).total_seconds() - sum(totals.values())
    rows = session.scalars(
        select(OccupancyChange)
        .where(
            OccupancyChange.space_kind == kind,
            OccupancyChange.space_id == space_id,
            OccupancyChange.ts >= rng.start,
            OccupancyChange.ts < rng.end,
        )
        .order_by(OccupancyChange.ts, OccupancyChange.id)
        .limit(MAX_CHANGES + 1)
    ).all()
    changes = [
        ChangeOut(
            ts=c.ts,
            occupied=c.occupied,
            signals=list(c.signals or []),
            initial=c.initial,
            device_id=c.device_id,
            probability=c.probability,
            band=c.band,
            band_top=c.band_top,
            band_label=band_label(c.band, c.band_top),
            band_confidence=c.band_confidence,
        )
        for c in rows[:MAX_CHANGES]
    ]
    return OccupancyOut(
        space_kind=kind,
        space_id=space_id,
        start=rng.start,
        end=rng.end,
        occupied_s=totals[State.OCCUPIED],
        vacant_s=totals[State.VACANT],
        unknown_s=totals[State.UNKNOWN],
        segments=[SegmentOut(start=s.start, end=s.end, state=s.state) for s in segments],
        changes=changes,
        changes_truncated=len(rows) > MAX_CHANGES,
    )


@router.get(
    "/rooms/{room_id}/occupancy",
    summary="A room's occupancy timeline and raw changes",
    responses=NOT_FOUND,
)
def room_occupancy(
    caller: Staff, room_id: str, rng: HistoryRange, session: SessionDep
) -> OccupancyOut:
    if visible_room(session, caller, room_id) is None:
        raise not_found("room", room_id)
    return _history(session, "room", room_id, rng)


@router.get(
    "/desks/{desk_id}/occupancy",
    summary="A desk's occupancy timeline and raw changes",
    responses=NOT_FOUND,
)
def desk_occupancy(
    caller: Staff, desk_id: str, rng: HistoryRange, session: SessionDep
) -> OccupancyOut:
    if visible_desk(session, caller, desk_id) is None:
        raise not_found("desk", desk_id)
    return _history(session, "desk", desk_id, rng)
