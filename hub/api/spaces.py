"""Views of rooms and desks with their live state, shared by the rooms and desks routers.

Live state is the latest change reported by the room's terminal. When that
terminal is offline the state is still shown, flagged ``stale``: it is the
last thing the hub knew, not what is true now.
"""

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.analytics.headcount import band_label
from hub.api.common import UtcTime
from hub.db.models import Building, Department, Desk, Device, Floor, Room, Site, SpaceState


class Ref(BaseModel):
    id: str
    name: str


class FloorRef(Ref):
    level: int


# A wall-clock time without offset. JSON Schema's "time" format is RFC 3339's, which needs one.
LocalTime = Annotated[
    dt.time,
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$", "example": "08:00:00"}
    ),
]


class WorkingHours(BaseModel):
    start: LocalTime = Field(description="Local time in the room's timezone.")
    end: LocalTime
    days: list[str] = Field(examples=[["mon", "tue", "wed", "thu", "fri"]])


class DeviceBrief(BaseModel):
    id: str
    online: bool
    last_seen_at: UtcTime | None


class LiveState(BaseModel):
    occupied: bool | None = Field(description="null: nothing reported yet.")
    since: UtcTime | None = Field(description="When the current state began (terminal clock).")
    updated_at: UtcTime | None = Field(description="When the hub stored it.")
    stale: bool = Field(description="The terminal is offline: this is the last known state.")
    probability: float | None = Field(
        default=None, description="Fused P(occupied) (null: a terminal without fusion)."
    )
    band: int | None = Field(default=None, description="Headcount band (null: number unknown).")
    band_top: int | None = Field(
        default=None, description='The top band: band == band_top means "band_top or more".'
    )
    band_label: str | None = Field(default=None, description='The band as shown: "2", "3+".')
    band_confidence: float | None = None
    signals: list[str] = Field(
        default_factory=list, description="What decided the state, strongest first."
    )
    estimated_at: UtcTime | None = Field(
        default=None, description="Terminal time of the fused estimate shown."
    )


class RoomOut(BaseModel):
    id: str
    name: str
    kind: str = Field(description="meeting_room | desk_area")
    capacity: int
    timezone: str
    floor: FloorRef
    building: Ref
    site: Ref
    department: Ref | None = Field(description="null: a shared space.")
    working_hours: WorkingHours
    state: LiveState
    desks: int = Field(description="Number of desks in this room.")
    device: DeviceBrief | None


class DeskOut(BaseModel):
    id: str
    name: str
    room: Ref
    floor_id: str
    building_id: str
    department_id: str | None
    state: LiveState


def _states(session: Session, kind: str, ids: Collection[str]) -> dict[str, SpaceState]:
    if not ids:
        return {}
    query = select(SpaceState).where(SpaceState.space_kind == kind, SpaceState.space_id.in_(ids))
    return {s.space_id: s for s in session.scalars(query)}


def _devices_by_room(session: Session, room_ids: Collection[str]) -> dict[str, Device]:
    if not room_ids:
        return {}
    # One terminal per room in practice; with several, the first by id speaks for it.
    query = select(Device).where(Device.room_id.in_(room_ids)).order_by(Device.id.desc())
    return {d.room_id: d for d in session.scalars(query)}


def live_state(state: SpaceState | None, device: Device | None) -> LiveState:
    if state is None:
        return LiveState(occupied=None, since=None, updated_at=None, stale=False)
    online = device is not None and device.online
    return LiveState(
        occupied=state.occupied,
        since=state.since,
        updated_at=state.updated_at,
        stale=not online,
        probability=state.probability,
        band=state.band,
        band_top=state.band_top,
        band_label=band_label(state.band, state.band_top),
        band_confidence=state.band_confidence,
        signals=list(state.signals or []),
        estimated_at=state.estimated_at,
    )


def room_views(session: Session, rooms: Sequence[Room]) -> list[RoomOut]:
    """Views of ``rooms`` (already filtered by scope), in their given order."""
    ids = [r.id for r in rooms]
    floors = {
        f.id: f
        for f in session.scalars(select(Floor).where(Floor.id.in_({r.floor_id for r in rooms})))
    }
    buildings = {b.id: b for b in session.scalars(select(Building))}
    sites = {s.id: s for s in session.scalars(select(Site))}
    departments = {d.id: d for d in session.scalars(select(Department))}
    count_query = select(Desk.room_id, func.count(Desk.id)).group_by(Desk.room_id)
    count_query = count_query.where(Desk.room_id.in_(ids))
    desk_counts = {room_id: int(n) for room_id, n in session.execute(count_query)}
    states = _states(session, "room", ids)
    devices = _devices_by_room(session, ids)
    views = []
    for room in rooms:
        floor = floors[room.floor_id]
        building = buildings[floor.building_id]
        site = sites[building.site_id]
        department = departments.get(room.department_id) if room.department_id else None
        device = devices.get(room.id)
        views.append(
            RoomOut(
                id=room.id,
                name=room.name,
                kind=room.kind,
                capacity=room.capacity,
                timezone=room.timezone,
                floor=FloorRef(id=floor.id, name=floor.name, level=floor.level),
                building=Ref(id=building.id, name=building.name),
                site=Ref(id=site.id, name=site.name),
                department=Ref(id=department.id, name=department.name) if department else None,
                working_hours=WorkingHours(
                    start=room.work_start, end=room.work_end, days=room.work_days
                ),
                state=live_state(states.get(room.id), device),
                desks=desk_counts.get(room.id, 0),
                device=DeviceBrief(
                    id=device.id, online=device.online, last_seen_at=device.last_seen_at
                )
                if device
                else None,
            )
        )
    return views


def desk_views(session: Session, desks: Sequence[Desk]) -> list[DeskOut]:
    room_ids = {d.room_id for d in desks}
    rooms = {r.id: r for r in session.scalars(select(Room).where(Room.id.in_(room_ids)))}
    floors = {
        f.id: f
        for f in session.scalars(
            select(Floor).where(Floor.id.in_({r.floor_id for r in rooms.values()}))
        )
    }
    states = _states(session, "desk", [d.id for d in desks])
    devices = _devices_by_room(session, room_ids)
    views = []
    for desk in desks:
        room = rooms[desk.room_id]
        views.append(
            DeskOut(
                id=desk.id,
                name=desk.name,
                room=Ref(id=room.id, name=room.name),
                floor_id=room.floor_id,
                building_id=floors[room.floor_id].building_id,
                department_id=room.department_id,
                state=live_state(states.get(desk.id), devices.get(room.id)),
            )
        )
    return views
