"""What Home Assistant is told about rooms, read from the database.

:func:`load_rooms` gives the organisation (which entities exist); :func:`room_states` the
state document of each room, the payload of ``<prefix>/v1/hub/ha/rooms/<room>/state``. The
same database state always gives the same document (no "published at" time in it), so
publishing it again, from a restart or from another hub worker, changes nothing.

Privacy: the document holds facts about the room only (occupied, a people band, the booking's
state and times, terminals online). Booking titles, organizers and attendees stay in the hub.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.checkin.rules import BOOKED, CHECKED_IN, NO_SHOW, RELEASED
from hub.db.models import BookingOccurrence, Device, Room, SpaceState

ROOM = "room"
#: Values of the booking sensor (a Home Assistant ``enum`` sensor lists them all up front).
BOOKING_STATES = ("free", "booked", "checked_in", "no_show", "released")
# Occurrence states that hold the room for their time slot.
_HOLDING = (BOOKED, CHECKED_IN, RELEASED)


@dataclass(frozen=True)
class RoomInfo:
    """One room and its terminals: what decides which entities exist."""

    id: str
    name: str
    kind: str  # meeting_room | desk_area
    capacity: int
    devices: tuple[str, ...]


def load_rooms(session: Session) -> list[RoomInfo]:
    devices: dict[str, list[str]] = {}
    for device_id, room_id in session.execute(
        select(Device.id, Device.room_id).order_by(Device.id)
    ):
        devices.setdefault(room_id, []).append(device_id)
    rows = session.execute(
        select(Room.id, Room.name, Room.kind, Room.capacity).order_by(Room.id)
    ).all()
    return [
        RoomInfo(room_id, name, kind, capacity, tuple(devices.get(room_id, ())))
        for room_id, name, kind, capacity in rows
    ]


def people_band(state: SpaceState | None) -> str | None:
    """``"0"``, ``"1"``, ``"2"``, ``"3+"`` (the top band, "or more"); None: not known."""
    if state is None:
        return None
    if not state.occupied:
        return "0"
    if state.band is None:  # occupied, number unknown (no counter)
        return None
    if state.band_top is not None and state.band >= state.band_top:
        return f"{state.band}+"
    return str(state.band)


def booking_state(occurrence: BookingOccurrence | None) -> str:
    if occurrence is None:
        return "free"
    if occurrence.state == RELEASED:
        return "no_show" if occurrence.release_reason == NO_SHOW else "released"
    return "checked_in" if occurrence.state == CHECKED_IN else "booked"


def room_states(
    session: Session, now: datetime, room_ids: Collection[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The state document of each room (of ``room_ids``, or all of them)."""
    rooms = select(Room.id)
    if room_ids is not None:
        rooms = rooms.where(Room.id.in_(sorted(room_ids)))
    ids = list(session.scalars(rooms.order_by(Room.id)))
    if not ids:
        return {}
    spaces = {
        s.space_id: s
        for s in session.scalars(
            select(SpaceState).where(SpaceState.space_kind == ROOM, SpaceState.space_id.in_(ids))
        )
    }
    terminals: dict[str, dict[str, str]] = {room_id: {} for room_id in ids}
    for device_id, room_id, online in session.execute(
        select(Device.id, Device.room_id, Device.online)
        .where(Device.room_id.in_(ids))
        .order_by(Device.id)
    ):
        terminals[room_id][device_id] = "online" if online else "offline"
    current = _current_occurrences(session, ids, now)
    upcoming = _next_starts(session, ids, now)
    return {
        room_id: _document(
            spaces.get(room_id), terminals[room_id], current.get(room_id), upcoming.get(room_id)
        )
        for room_id in ids
    }


def _document(
    space: SpaceState | None,
    terminals: dict[str, str],
    occurrence: BookingOccurrence | None,
    next_starts_at: datetime | None,
) -> dict[str, Any]:
    occupancy = None if space is None else ("ON" if space.occupied else "OFF")
    return {
        "occupancy": occupancy,
        "people": people_band(space),
        "booking": booking_state(occurrence),
        # Occupancy facts are only as fresh as a terminal that is online (availability).
        "availability": "online" if "online" in terminals.values() else "offline",
        "terminals": terminals,
        "occupancy_attributes": {
            "since": _iso(space.since) if space is not None else None,
            "probability": space.probability if space is not None else None,
            "signals": list(space.signals or []) if space is not None else [],
        },
        "people_attributes": {
            "band": space.band if space is not None else None,
            "band_top": space.band_top if space is not None else None,
            "confidence": space.band_confidence if space is not None else None,
        },
        "booking_attributes": {
            "occurrence_id": occurrence.id if occurrence is not None else None,
            "starts_at": _iso(occurrence.starts_at) if occurrence is not None else None,
            "ends_at": _iso(occurrence.ends_at) if occurrence is not None else None,
            "release_reason": occurrence.release_reason if occurrence is not None else None,
            "next_starts_at": _iso(next_starts_at),
        },
    }


def _current_occurrences(
    session: Session, room_ids: list[str], now: datetime
) -> dict[str, BookingOccurrence]:
    """The occurrence holding each room now (an early check-in counts from its check-in)."""
    found: dict[str, BookingOccurrence] = {}
    rows = session.scalars(
        select(BookingOccurrence)
        .where(
            BookingOccurrence.space_kind == ROOM,
            BookingOccurrence.space_id.in_(room_ids),
            BookingOccurrence.state.in_(_HOLDING),
            BookingOccurrence.ends_at > now,
            BookingOccurrence.starts_at <= now + timedelta(hours=1),
        )
        .order_by(BookingOccurrence.starts_at)
    )
    for occurrence in rows:
        began = occurrence.starts_at
        if occurrence.state == CHECKED_IN and occurrence.checked_in_at is not None:
            began = min(began, occurrence.checked_in_at)
        if began <= now:
            found[occurrence.space_id] = occurrence  # the latest start wins an overlap
    return found


def _next_starts(session: Session, room_ids: list[str], now: datetime) -> dict[str, datetime]:
    rows = session.execute(
        select(BookingOccurrence.space_id, func.min(BookingOccurrence.starts_at))
        .where(
            BookingOccurrence.space_kind == ROOM,
            BookingOccurrence.space_id.in_(room_ids),
            BookingOccurrence.state == BOOKED,
            BookingOccurrence.starts_at > now,
        )
        .group_by(BookingOccurrence.space_id)
    )
    return {space_id: starts_at for space_id, starts_at in rows}


def next_booking_change(session: Session, now: datetime) -> datetime | None:
    """When the booking state of some room changes by time alone (a start or an end)."""
    starts = session.scalar(
        select(func.min(BookingOccurrence.starts_at)).where(
            BookingOccurrence.space_kind == ROOM,
            BookingOccurrence.state == BOOKED,
            BookingOccurrence.starts_at > now,
        )
    )
    ends = session.scalar(
        select(func.min(BookingOccurrence.ends_at)).where(
            BookingOccurrence.space_kind == ROOM,
            BookingOccurrence.state.in_(_HOLDING),
            BookingOccurrence.ends_at > now,
        )
    )
    times = [t for t in (starts, ends) if t is not None]
    return min(times) if times else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
