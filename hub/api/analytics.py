"""Booked against used: the dashboards' figures, read from the analytics rollups.

Staff only (admin and facilities). Facilities staff see their own department's spaces and
shared ones, as everywhere else; floors and buildings sum only the spaces the caller may
see. Ranges are local dates ``from`` (inclusive) to ``to`` (exclusive); the figures are as
of the last rollup refresh (``as_of``). Definitions: docs/utilization.md, sections 8-14.
"""

import datetime as dt
from collections.abc import Collection
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from contract.ids import ID_PATTERN
from hub.analytics.dashboard import (
    DeskSummary,
    GroupRow,
    Heatmap,
    RightSizingRow,
    SpaceRow,
    as_of,
    check_days,
    desk_summary,
    group_report,
    heatmap,
    right_sizing_report,
    space_report,
)
from hub.analytics.k_anonymity import MIN_GROUP
from hub.api.common import EARLIEST, LATEST, Day, Staff, UtcTime, bad_input
from hub.api.errors import NOT_FOUND
from hub.api.utilization import _spaces  # the same scoping and filters as /utilization
from hub.auth.roles import Principal
from hub.state import ClockDep, SessionDep

router = APIRouter(prefix="/analytics", tags=["analytics"])

# An empty id is a mistake, not a filter that matches nothing: 422.
# Ids are slugs (contract.ids): anything else cannot name a space, so it is a 422, not [].
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
IdList = Annotated[list[Id] | None, Query()]
Kind = Literal["room", "desk"]
DEFAULT_DAYS = 7


class DateRange(BaseModel):
    first: dt.date
    last: dt.date


def date_range(
    clock: ClockDep,
    start: Annotated[
        Day | None,
        Query(
            alias="from", description=f"First local date; default: {DEFAULT_DAYS} days before to"
        ),
    ] = None,
    end: Annotated[
        Day | None,
        Query(alias="to", description="Local date after the last one; default: tomorrow (UTC)"),
    ] = None,
) -> DateRange:
    for name, value in (("from", start), ("to", end)):
        if value is not None and not EARLIEST.year <= value.year < LATEST.year:
            raise bad_input(f"{name}={value} is out of range: use a date from "
                            f"{EARLIEST.year} to {LATEST.year - 1}")  # fmt: skip
    last = end if end is not None else clock.now().date() + dt.timedelta(days=1)
    first = start if start is not None else last - dt.timedelta(days=DEFAULT_DAYS)
    try:
        check_days(first, last)
    except ValueError as error:
        raise bad_input(str(error)) from None
    return DateRange(first=first, last=last)


Dates = Annotated[DateRange, Depends(date_range)]


def departments(caller: Principal) -> Collection[str | None] | None:
    """None: every department (an admin); otherwise what a facilities user may see."""
    if caller.is_admin:
        return None
    return [None] if caller.department_id is None else [None, caller.department_id]


class Envelope(BaseModel):
    first: dt.date = Field(description="First local date of the range")
    last: dt.date = Field(description="The local date after the range")
    as_of: UtcTime | None = Field(
        description="When the rollups were last refreshed; null if never (all figures empty)"
    )


class RoomsOut(Envelope):
    rows: list[SpaceRow]


class DesksOut(Envelope):
    rows: list[SpaceRow]
    summary: DeskSummary


class GroupsOut(Envelope):
    kind: Kind
    rows: list[GroupRow]


class HeatmapOut(Envelope):
    kind: Kind
    heatmap: Heatmap


class RightSizingOut(Envelope):
    min_group: int = Field(MIN_GROUP, description="Meetings needed before figures about people")
    rows: list[RightSizingRow]


@router.get(
    "/rooms", summary="Per room: booked against used, with the live state", responses=NOT_FOUND
)
def rooms(
    caller: Staff,
    dates: Dates,
    session: SessionDep,
    room_id: IdList = None,
    floor_id: IdList = None,
    building_id: IdList = None,
) -> RoomsOut:
    ids, _ = _spaces(session, caller, room_id, floor_id, building_id, None)
    rows = space_report(session, kind="room", ids=ids, first=dates.first, last=dates.last)
    return RoomsOut(**_envelope(session, dates), rows=rows)


@router.get(
    "/desks", summary="Per desk: utilization, idle rate, desks never used", responses=NOT_FOUND
)
def desks(
    caller: Staff,
    dates: Dates,
    session: SessionDep,
    desk_id: IdList = None,
    room_id: IdList = None,
    floor_id: IdList = None,
    building_id: IdList = None,
) -> DesksOut:
    _, ids = _spaces(session, caller, room_id, floor_id, building_id, desk_id)
    rows = space_report(session, kind="desk", ids=ids, first=dates.first, last=dates.last)
    return DesksOut(**_envelope(session, dates), rows=rows, summary=desk_summary(rows))


@router.get("/floors", summary="Per floor, or per floor and local day")
def floors(
    caller: Staff,
    dates: Dates,
    session: SessionDep,
    kind: Kind = "room",
    by_day: bool = False,
    floor_id: IdList = None,
    building_id: IdList = None,
) -> GroupsOut:
    rows = group_report(
        session,
        by="floor_day" if by_day else "floor",
        kind=kind,
        first=dates.first,
        last=dates.last,
        departments=departments(caller),
        floor_ids=floor_id,
        building_ids=building_id,
    )
    return GroupsOut(**_envelope(session, dates), kind=kind, rows=rows)


@router.get("/buildings", summary="Per building, or per local day over the buildings")
def buildings(
    caller: Staff,
    dates: Dates,
    session: SessionDep,
    kind: Kind = "room",
    by_day: bool = False,
    building_id: IdList = None,
) -> GroupsOut:
    rows = group_report(
        session,
        by="day" if by_day else "building",
        kind=kind,
        first=dates.first,
        last=dates.last,
        departments=departments(caller),
        building_ids=building_id,
    )
    return GroupsOut(**_envelope(session, dates), kind=kind, rows=rows)


@router.get("/heatmap", summary="Share of time occupied per local weekday and hour")
def heatmap_route(
    caller: Staff,
    dates: Dates,
    session: SessionDep,
    kind: Kind = "room",
    floor_id: IdList = None,
    building_id: IdList = None,
) -> HeatmapOut:
    result = heatmap(
        session,
        kind=kind,
        first=dates.first,
        last=dates.last,
        departments=departments(caller),
        floor_ids=floor_id,
        building_ids=building_id,
    )
    return HeatmapOut(**_envelope(session, dates), kind=kind, heatmap=result)


@router.get(
    "/right-sizing",
    summary=f"People per meeting against seats (only for at least {MIN_GROUP} meetings)",
    responses=NOT_FOUND,
)
def right_sizing(
    caller: Staff,
    dates: Dates,
    session: SessionDep,
    room_id: IdList = None,
    floor_id: IdList = None,
    building_id: IdList = None,
) -> RightSizingOut:
    ids, _ = _spaces(session, caller, room_id, floor_id, building_id, None)
    rows = right_sizing_report(session, room_ids=ids, first=dates.first, last=dates.last)
    return RightSizingOut(**_envelope(session, dates), rows=rows)


def _envelope(session: Session, dates: DateRange) -> dict[str, object]:
    return {"first": dates.first, "last": dates.last, "as_of": as_of(session)}
