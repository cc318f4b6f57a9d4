"""Utilization over a time range, computed only over the spaces the caller may see.

Filters narrow the visible set; asking for a room or desk outside it is a 404,
the same answer as for one that does not exist.
"""

from collections.abc import Collection
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.analytics.report import MAX_RANGE, GroupBy, UtilizationRow, utilization_report
from hub.api.common import Staff, TimeRange, UtcTime, bad_input, not_found, time_range
from hub.api.errors import NOT_FOUND
from hub.auth.roles import Principal
from hub.auth.scope import room_clause
from hub.db.models import Desk, Floor, Room
from hub.state import SessionDep

router = APIRouter(tags=["analytics"])

# A week by default: the demo's replayed working day is within it even on a Monday.
ReportRange = Annotated[TimeRange, Depends(time_range(timedelta(days=7), MAX_RANGE))]
IdList = Annotated[list[str] | None, Query()]


class UtilizationOut(BaseModel):
    start: UtcTime
    end: UtcTime
    now: UtcTime
    group_by: GroupBy
    room_ids: list[str] = Field(
        description="The rooms the report covers (after scoping and filters)."
    )
    desk_ids: list[str]
    rows: list[UtilizationRow]
    total: UtilizationRow


def _spaces(
    session: Session,
    caller: Principal,
    room_ids: Collection[str] | None,
    floor_ids: Collection[str] | None,
    building_ids: Collection[str] | None,
    desk_ids: Collection[str] | None,
) -> tuple[list[str], list[str]]:
    rooms_query = select(Room.id).join(Floor, Floor.id == Room.floor_id).where(room_clause(caller))
    if floor_ids:
        rooms_query = rooms_query.where(Room.floor_id.in_(floor_ids))
    if building_ids:
        rooms_query = rooms_query.where(Floor.building_id.in_(building_ids))
    rooms = set(session.scalars(rooms_query))
    if room_ids:
        missing = sorted(set(room_ids) - rooms)
        if missing:
            raise not_found("room", missing[0])
        rooms = set(room_ids)
    desks_query = select(Desk.id).where(Desk.room_id.in_(rooms))
    desks = set(session.scalars(desks_query))
    if desk_ids:
        missing = sorted(set(desk_ids) - desks)
        if missing:
            raise not_found("desk", missing[0])
        desks = set(desk_ids)
    return sorted(rooms), sorted(desks)


@router.get(
    "/utilization",
    summary="Time-weighted utilization within working hours",
    responses=NOT_FOUND,
)
def utilization(
    caller: Staff,
    rng: ReportRange,
    session: SessionDep,
    group_by: GroupBy = "room",
    room_id: IdList = None,
    floor_id: IdList = None,
    building_id: IdList = None,
    desk_id: IdList = None,
) -> UtilizationOut:
    rooms, desks = _spaces(session, caller, room_id, floor_id, building_id, desk_id)
    try:
        report = utilization_report(
            session,
            start=rng.start,
            end=rng.end,
            now=rng.now,
            room_ids=rooms,
            desk_ids=desks,
            group_by=group_by,
        )
    except ValueError as error:
        raise bad_input(str(error)) from None
    return UtilizationOut(
        start=report.start,
        end=report.end,
        now=report.now,
        group_by=report.group_by,
        room_ids=rooms,
        desk_ids=desks,
        rows=report.rows,
        total=report.total,
    )
