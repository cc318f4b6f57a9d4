"""Loading what a what-if run replays from the store: rooms and desks in the caller's scope,
the period's booking occurrences, and each desk's use per working day.

A fixed handful of queries whatever the period; the replay itself (hub/sandbox/replay.py)
never touches the database.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from hub.analytics.booked import Meeting, SpanIndex, from_us, known_spans, to_us
from hub.analytics.queries import load_spaces
from hub.analytics.rollup_compute import load_meetings
from hub.analytics.timeline import build_timeline
from hub.auth.roles import Principal
from hub.auth.scope import room_clause, visible_floor_ids
from hub.db.models import BookingOccurrence, Desk, Floor, Room
from hub.sandbox.model import DeskDay, Inventory, RoomSpec

MARGIN = timedelta(days=1)  # local days begin up to 14 h away from the site's midnight


@dataclass(frozen=True)
class Scope:
    """The rooms (and so desks) a run may see and change, and its floors (None: all)."""

    rooms: ColumnElement[bool]
    floor_ids: Collection[str] | None


EVERYTHING = Scope(true(), None)


def scope_of(session: Session, principal: Principal) -> Scope:
    """Admins: everything; facilities staff: their department's and shared rooms."""
    return Scope(room_clause(principal), visible_floor_ids(session, principal))


@dataclass(frozen=True)
class Loaded:
    inventory: Inventory
    zones: dict[str, str]  # room id -> IANA time zone


def load_inventory(session: Session, scope: Scope) -> Loaded:
    rows = session.execute(
        select(Room.id, Room.floor_id, Floor.building_id, Room.capacity, Room.kind, Room.timezone)
        .join(Floor, Floor.id == Room.floor_id)
        .where(scope.rooms)
    ).all()
    rooms = {
        r.id: RoomSpec(r.id, r.floor_id, r.building_id, r.capacity, r.kind != "desk_area")
        for r in rows
    }
    floor_query = select(Floor.id, Floor.building_id)
    if scope.floor_ids is not None:
        floor_query = floor_query.where(Floor.id.in_(set(scope.floor_ids)))
    floors = {f.id: f.building_id for f in session.execute(floor_query)}
    desks = dict(
        session.execute(select(Desk.id, Desk.room_id).where(Desk.room_id.in_(set(rooms)))).all()
    )
    return Loaded(Inventory(rooms, floors, desks), {r.id: r.timezone for r in rows})


def load_occurrences(
    session: Session, loaded: Loaded, first: date, last: date, start: datetime, end: datetime
) -> list[tuple[str, Meeting]]:
    """Meeting-room occurrences whose local start date (in their room's zone) is in the period."""
    rooms = list(loaded.inventory.rooms)
    where = (
        (BookingOccurrence.space_kind == "room")
        & BookingOccurrence.space_id.in_(rooms)
        & (BookingOccurrence.starts_at >= start - MARGIN)
        & (BookingOccurrence.starts_at < end + MARGIN)
    )
    zones = {room: ZoneInfo(zone) for room, zone in loaded.zones.items()}
    out = []
    for (_, room_id), meetings in sorted(load_meetings(session, where).items()):
        for meeting in meetings:
            if first <= meeting.starts_at.astimezone(zones[room_id]).date() < last:
                out.append((room_id, meeting))
    return out


def load_desk_days(
    session: Session,
    loaded: Loaded,
    first: date,
    last: date,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[DeskDay]:
    """Each desk's in-use stretches on every working day of the period it had known data."""
    lo, hi = start - MARGIN, end + MARGIN
    spaces = load_spaces(
        session, room_ids=(), desk_ids=list(loaded.inventory.desks), start=lo, end=hi, now=now
    )
    now_us = to_us(now)
    out = []
    for space in spaces:
        segments = build_timeline(space.changes, space.offline, start=lo, end=hi, now=now)
        known, occupied = (SpanIndex(s) for s in known_spans(segments))
        for day in space.schedule.local_days(lo, hi):
            window = space.schedule.working_window(day) if first <= day < last else None
            if window is None:
                continue
            w_lo, w_hi = to_us(window[0]), min(to_us(window[1]), now_us)
            if not known.clip(w_lo, w_hi):
                continue
            used = tuple((from_us(a), from_us(b)) for a, b in occupied.clip(w_lo, w_hi))
            out.append(DeskDay(space.id, day, used))
    return out
