"""Desks with their live state. Display panels may read these too: a desk-area
panel shows which desks are free, which is the live state of its room."""

from fastapi import APIRouter
from sqlalchemy import and_, select

from hub.api.common import LiveViewer, not_found
from hub.api.errors import NOT_FOUND
from hub.api.spaces import DeskOut, desk_views
from hub.auth.scope import room_clause, visible_desk
from hub.db.models import Desk, Floor, Room, SpaceState
from hub.state import SessionDep

router = APIRouter(tags=["spaces"])


@router.get("/desks", summary="Desks you may see, with live state")
def list_desks(
    caller: LiveViewer,
    session: SessionDep,
    room_id: str | None = None,
    floor_id: str | None = None,
    building_id: str | None = None,
    occupied: bool | None = None,
) -> list[DeskOut]:
    query = (
        select(Desk)
        .join(Room, Room.id == Desk.room_id)
        .join(Floor, Floor.id == Room.floor_id)
        .where(room_clause(caller))
        .order_by(Desk.id)
    )
    if room_id is not None:
        query = query.where(Desk.room_id == room_id)
    if floor_id is not None:
        query = query.where(Room.floor_id == floor_id)
    if building_id is not None:
        query = query.where(Floor.building_id == building_id)
    if occupied is not None:
        query = query.join(
            SpaceState, and_(SpaceState.space_kind == "desk", SpaceState.space_id == Desk.id)
        ).where(SpaceState.occupied.is_(occupied))
    return desk_views(session, list(session.scalars(query)))


@router.get("/desks/{desk_id}", summary="One desk with live state", responses=NOT_FOUND)
def get_desk(caller: LiveViewer, desk_id: str, session: SessionDep) -> DeskOut:
    desk = visible_desk(session, caller, desk_id)
    if desk is None:
        raise not_found("desk", desk_id)
    return desk_views(session, [desk])[0]
