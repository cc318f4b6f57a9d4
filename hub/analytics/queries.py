"""Load what the utilization logic needs for many spaces with a handful of set-based queries.

Per request: spaces, their rooms and floors, holidays, terminals, status transitions
and occupancy changes, each one query for all spaces together, never one per day or
per space. The state at ``start`` needs the last change before it, and an outage that
began before ``start`` still forgets the state, so both are looked up as well.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hub.analytics.schedule import WorkSchedule
from hub.analytics.timeline import Interval, OccupancyPoint, StatusPoint, offline_spells
from hub.db.models import (
    Building,
    Desk,
    Device,
    DeviceStatusChange,
    Floor,
    OccupancyChange,
    Room,
    SiteHoliday,
)

SpaceKind = Literal["room", "desk"]


@dataclass
class SpaceData:
    """One room or desk with its schedule, its changes and its terminals' offline spells."""

    kind: SpaceKind
    id: str
    name: str
    room_id: str
    floor_id: str
    floor_name: str
    schedule: WorkSchedule
    changes: list[OccupancyPoint] = field(default_factory=list)
    offline: list[Interval] = field(default_factory=list)


def load_spaces(
    session: Session,
    *,
    room_ids: Collection[str],
    desk_ids: Collection[str],
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[SpaceData]:
    """The given rooms and desks that exist, with everything needed for ``[start, end)``.

    Ids that do not exist are left out. A desk's room supplies its time zone, working
    hours and terminals even when the room itself is not among ``room_ids``.
    """
    horizon = min(end, now)
    desks = session.execute(
        select(Desk.id, Desk.name, Desk.room_id).where(Desk.id.in_(set(desk_ids)))
    ).all()
    wanted_rooms = set(room_ids) | {d.room_id for d in desks}
    rooms = session.execute(
        select(Room, Floor.name, Building.site_id)
        .join(Floor, Room.floor_id == Floor.id)
        .join(Building, Floor.building_id == Building.id)
        .where(Room.id.in_(wanted_rooms))
    ).all()
    holidays = _holidays(session, {site for _, _, site in rooms}, start, end)
    schedules = {
        room.id: WorkSchedule.from_names(
            room.timezone,
            room.work_start,
            room.work_end,
            room.work_days,
            holidays.get(site_id, ()),
        )
        for room, _, site_id in rooms
    }
    room_rows = {room.id: (room, floor_name) for room, floor_name, _ in rooms}

    spaces: list[SpaceData] = []
    for room_id in sorted(set(room_ids) & room_rows.keys()):
        room, floor_name = room_rows[room_id]
        spaces.append(
            SpaceData(
                "room",
                room.id,
                room.name,
                room.id,
                room.floor_id,
                floor_name,
                schedules[room.id],
            )
        )
    for desk in sorted(desks, key=lambda d: d.id):
        if desk.room_id not in room_rows:
            continue
        room, floor_name = room_rows[desk.room_id]
        spaces.append(
            SpaceData(
                "desk",
                desk.id,
                desk.name,
                room.id,
                room.floor_id,
                floor_name,
                schedules[room.id],
            )
        )

    offline = _offline_by_room(session, set(room_rows), start, horizon)
    changes = _changes(session, spaces, start, horizon)
    for space in spaces:
        space.offline = offline.get(space.room_id, [])
        space.changes = changes.get((space.kind, space.id), [])
    return spaces


def _holidays(
    session: Session, site_ids: set[str], start: datetime, end: datetime
) -> dict[str, list[date]]:
    # Local dates can be a day either side of the UTC dates of the range.
    first, last = start.date() - timedelta(days=2), end.date() + timedelta(days=2)
    rows = session.execute(
        select(SiteHoliday.site_id, SiteHoliday.day).where(
            SiteHoliday.site_id.in_(site_ids), SiteHoliday.day.between(first, last)
        )
    ).all()
    by_site: dict[str, list[date]] = defaultdict(list)
    for site_id, day in rows:
        by_site[site_id].append(day)
    return by_site


def _offline_by_room(
    session: Session, room_ids: set[str], start: datetime, horizon: datetime
) -> dict[str, list[Interval]]:
    """Offline spells of every terminal in each room, from the last outage before ``start``."""
    devices = dict(
        session.execute(select(Device.id, Device.room_id).where(Device.room_id.in_(room_ids))).all()
    )
    if not devices:
        return {}
    # The last 'offline' before start: from there on, transitions decide the state at start.
    last_offline = dict(
        session.execute(
            select(DeviceStatusChange.device_id, func.max(DeviceStatusChange.at))
            .where(
                DeviceStatusChange.device_id.in_(devices.keys()),
                DeviceStatusChange.online.is_(False),
                DeviceStatusChange.at < start,
            )
            .group_by(DeviceStatusChange.device_id)
        ).all()
    )
    since = min([start, *last_offline.values()])
    rows = session.execute(
        select(DeviceStatusChange.device_id, DeviceStatusChange.online, DeviceStatusChange.at)
        .where(
            DeviceStatusChange.device_id.in_(devices.keys()),
            DeviceStatusChange.at >= since,
            DeviceStatusChange.at < horizon,
        )
        .order_by(DeviceStatusChange.at, DeviceStatusChange.id)
    ).all()
    points: dict[str, list[StatusPoint]] = defaultdict(list)
    for device_id, online, at in rows:
        if at >= last_offline.get(device_id, start):  # older rows belong to other devices
            points[device_id].append(StatusPoint(at, online))
    by_room: dict[str, list[Interval]] = defaultdict(list)
    for device_id, room_id in devices.items():
        by_room[room_id].extend(offline_spells(points[device_id]))
    return by_room


def _changes(
    session: Session, spaces: list[SpaceData], start: datetime, horizon: datetime
) -> dict[tuple[str, str], list[OccupancyPoint]]:
    """Changes in ``[start, horizon)`` plus the last change before ``start``, per space."""
    if not spaces:
        return {}
    ids = {kind: [s.id for s in spaces if s.kind == kind] for kind in ("room", "desk")}
    of_spaces = or_(
        *(
            and_(OccupancyChange.space_kind == kind, OccupancyChange.space_id.in_(space_ids))
            for kind, space_ids in ids.items()
            if space_ids
        )
    )
    # The last change before ``start``: the latest ts per space from the (space, ts) index
    # alone, then its rows; of several at that instant the last stored wins. (A window
    # function over every earlier row read and sorted a year of history per space.)
    latest = (
        select(
            OccupancyChange.space_kind,
            OccupancyChange.space_id,
            func.max(OccupancyChange.ts).label("ts"),
        )
        .where(of_spaces, OccupancyChange.ts < start)
        .group_by(OccupancyChange.space_kind, OccupancyChange.space_id)
        .subquery()
    )
    last_rows = session.execute(
        select(
            OccupancyChange.space_kind,
            OccupancyChange.space_id,
            OccupancyChange.occupied,
            OccupancyChange.ts,
        )
        .join(
            latest,
            and_(
                OccupancyChange.space_kind == latest.c.space_kind,
                OccupancyChange.space_id == latest.c.space_id,
                OccupancyChange.ts == latest.c.ts,
            ),
        )
        .order_by(OccupancyChange.id)
    ).all()
    last_before = list({(row[0], row[1]): row for row in last_rows}.values())
    inside = session.execute(
        select(
            OccupancyChange.space_kind,
            OccupancyChange.space_id,
            OccupancyChange.occupied,
            OccupancyChange.ts,
        )
        .where(of_spaces, OccupancyChange.ts >= start, OccupancyChange.ts < horizon)
        .order_by(OccupancyChange.ts, OccupancyChange.id)
    ).all()
    by_space: dict[tuple[str, str], list[OccupancyPoint]] = defaultdict(list)
    for kind, space_id, occupied, ts in [*last_before, *inside]:
        by_space[(kind, space_id)].append(OccupancyPoint(ts, occupied))
    return by_space
