"""Rooms with their live state. Display panels may read these too."""

from fastapi import APIRouter
from sqlalchemy import and_, select

from hub.api.common import LiveViewer, not_found
from hub.api.errors import NOT_FOUND
from hub.api.spaces import RoomOut, room_views
from hub.auth.scope import room_clause, visible_room
from hub.db.models import Building, Floor, Room, SpaceState
from hub.state import SessionDep

router = APIRouter(tags=["spaces"])


@router.get("/rooms", summary="Rooms you may see, with live state")
def list_rooms(
    caller: LiveViewer,
    session: SessionDep,
    floor_id: str | None = None,
    building_id: str | None = None,
    site_id: str | None = None,
    kind: str | None = None,
    occupied: bool | None = None,
) -> list[RoomOut]:
    query = (
        select(Room)
        .join(Floor, Floor.id == Room.floor_id)
        .join(Building, Building.id == Floor.building_id)
        .where(room_clause(caller))
        .order_by(Room.id)
    )
    if floor_id is not None:
        query = query.where(Room.floor_id == floor_id)
    if building_id is not None:
        query = query.where(Floor.building_id == building_id)
    if site_id is not None:
        query = query.where(Building.site_id == site_id)
    if kind is not None:
        query = query.where(Room.kind == kind)
    if occupied is not None:
        query = query.join(
            SpaceState, and_(SpaceState.space_kind == "room", SpaceState.space_id == Room.id)
        ).where(SpaceState.occupied.is_(occupied))
    return room_views(session, list(session.scalars(query)))


@router.get("/rooms/{room_id}", summary="One room with live state", responses=NOT_FOUND)
def get_room(caller: LiveViewer, room_id: str, session: SessionDep) -> RoomOut:
    room = visible_room(session, caller, room_id)
    if room is None:
        raise not_found("room", room_id)
    return room_views(session, [room])[0]
