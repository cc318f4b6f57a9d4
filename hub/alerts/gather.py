"""Reads the facts the alert rules look at from the store (one query per kind of fact).

Everything here is reading; what counts as a problem is decided in ``evaluate``. The
queries are shaped for the indexes: per-room and per-device newest rows come from
correlated subqueries that walk an index backwards from its newest end. The newest event of
each door contact is one range of a covering index (kind, device, sensor, ts), read whole:
the cost grows with the door events kept.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hub.alerts.config import AlertConfig
from hub.alerts.facts import (
    DayFigures,
    DeviceFacts,
    Facts,
    RoomFacts,
    SpoolFill,
    UpdateFailure,
)
from hub.db.models import (
    Device,
    GivenUpRange,
    OccupancyChange,
    Room,
    SensorEvent,
    SpaceState,
    analytics_space_days,
)
from hub.db.release_models import Rollout, RolloutDevice
from hub.ingest.devices import read_spool_fill

DOOR_KIND = "door_contact"
# The speech flag is stored with sensor events but is no sensor of the room.
NOT_SENSORS = ("speech_activity",)
# A terminal's part in a rollout that went wrong (hub/releases/plan.py FAILED).
UPDATE_FAILURES = ("failed", "rolled_back", "timed_out")


def gather(session: Session, now: datetime, config: AlertConfig) -> Facts:
    rooms = _rooms(session)
    return Facts(
        rooms=rooms,
        devices=_devices(session, now, config),
        days=_days(session, now, config) if config.on("low_utilization") else {},
    )


def _rooms(session: Session) -> dict[str, RoomFacts]:
    last_occupied = (
        select(OccupancyChange.ts)
        .where(
            OccupancyChange.space_kind == "room",
            OccupancyChange.space_id == Room.id,
            OccupancyChange.occupied.is_(True),
        )
        .order_by(OccupancyChange.ts.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(Room, SpaceState, last_occupied).outerjoin(
        SpaceState, and_(SpaceState.space_kind == "room", SpaceState.space_id == Room.id)
    )
    rooms: dict[str, RoomFacts] = {}
    for room, state, occupied_at in session.execute(query):
        band = state.band if state is not None else None
        over = state is not None and state.occupied and band is not None and band > room.capacity
        rooms[room.id] = RoomFacts(
            id=room.id,
            name=room.name,
            capacity=room.capacity,
            timezone=room.timezone,
            occupied=state.occupied if state is not None else None,
            band=state.band if state is not None else None,
            band_top=state.band_top if state is not None else None,
            over_capacity_since=_over_since(session, room, state) if over else None,
            last_occupied_at=occupied_at,
        )
    return rooms


def _over_since(session: Session, room: Room, state: SpaceState) -> datetime | None:
    """Start of the unbroken run of reports above capacity that the live state ends."""
    of_room = (OccupancyChange.space_kind == "room", OccupancyChange.space_id == room.id)
    within = or_(
        OccupancyChange.occupied.is_(False),
        OccupancyChange.band.is_(None),
        OccupancyChange.band <= room.capacity,
    )
    last_within = session.scalar(select(func.max(OccupancyChange.ts)).where(*of_room, within))
    first_over = select(func.min(OccupancyChange.ts)).where(
        *of_room, OccupancyChange.occupied.is_(True), OccupancyChange.band > room.capacity
    )
    if last_within is not None:
        first_over = first_over.where(OccupancyChange.ts > last_within)
    since: datetime | None = session.scalar(first_over)
    # The band may come from a heartbeat alone (no occupancy change carried it).
    return since if since is not None else state.estimated_at


def _devices(session: Session, now: datetime, config: AlertConfig) -> list[DeviceFacts]:
    # Newest first along (device_id, ts), stopping at the first real sensor: max() with the
    # kind filter would read every event of the terminal.
    last_sensor = (
        select(SensorEvent.ts)
        .where(SensorEvent.device_id == Device.id, SensorEvent.kind.not_in(NOT_SENSORS))
        .order_by(SensorEvent.ts.desc())
        .limit(1)
        .scalar_subquery()
    )
    doors: dict[str, dict[str, datetime]] = {}
    door_rows = session.execute(
        select(SensorEvent.device_id, SensorEvent.sensor_id, func.max(SensorEvent.ts))
        .where(SensorEvent.kind == DOOR_KIND)
        .group_by(SensorEvent.device_id, SensorEvent.sensor_id)
    )
    for device_id, sensor_id, last in door_rows:
        doors.setdefault(device_id, {})[sensor_id] = last
    spool = _spool_full(session, now - config.spool_full_window)
    updates = _update_failures(session, now - config.update_failed_window)
    devices = []
    for device, last in session.execute(select(Device, last_sensor).order_by(Device.id)):
        dropped, reports, spool_last = spool.get(device.id, (0, 0, None))
        devices.append(
            DeviceFacts(
                id=device.id,
                room_id=device.room_id,
                online=device.online,
                status_changed_at=device.status_changed_at,
                last_sensor_event_at=last,
                doors=doors.get(device.id, {}),
                spool_dropped=dropped,
                spool_full_reports=reports,
                spool_full_last_at=spool_last,
                spool_fill=_spool_fill(device.spool_fill),
                update_failure=updates.get(device.id),
            )
        )
    return devices


def _update_failures(session: Session, since: datetime) -> dict[str, UpdateFailure]:
    """Per terminal, its newest rollout's outcome if that failed since ``since``."""
    newest: dict[str, UpdateFailure | None] = {}
    rows = session.execute(
        select(RolloutDevice, Rollout.version)
        .join(Rollout, Rollout.id == RolloutDevice.rollout_id)
        .order_by(RolloutDevice.rollout_id.desc())
    )
    for row, version in rows:
        if row.device_id in newest:
            continue  # an older rollout: the newest one says where it stands
        at = row.reported_at or row.sent_at
        failed = row.state in UPDATE_FAILURES and at is not None and at >= since
        newest[row.device_id] = (
            UpdateFailure(row.rollout_id, version, row.state, row.reason, row.detail, at)
            if failed and at is not None
            else None
        )
    return {device: failure for device, failure in newest.items() if failure is not None}


def _spool_fill(stored: dict[str, Any] | None) -> SpoolFill | None:
    """The fill ingest kept from the newest heartbeat; None if none, or it cannot be read."""
    read = read_spool_fill(stored)
    if read is None:
        return None
    fill, at = read
    return SpoolFill(fill.pending, fill.max_messages, fill.bytes, fill.max_bytes, at)


def _spool_full(session: Session, since: datetime) -> dict[str, tuple[int, int, datetime]]:
    rows = session.execute(
        select(
            GivenUpRange.device_id,
            func.sum(GivenUpRange.last_seq - GivenUpRange.first_seq + 1),
            func.count(),
            func.max(GivenUpRange.reported_at),
        )
        .where(GivenUpRange.reason == "spool_full", GivenUpRange.reported_at >= since)
        .group_by(GivenUpRange.device_id)
    )
    return {device: (int(dropped), int(count), last) for device, dropped, count, last in rows}


def _days(session: Session, now: datetime, config: AlertConfig) -> dict[str, list[DayFigures]]:
    # Enough calendar days to find N working days across weekends and holidays.
    first = (now - timedelta(days=3 * config.low_utilization_days + 14)).date()
    days = analytics_space_days.c
    rows = session.execute(
        select(days.space_id, days.day, days.working_us, days.known_us, days.occupied_us).where(
            days.space_kind == "room", days.day >= first
        )
    )
    found: dict[str, list[DayFigures]] = {}
    for space_id, day, working, known, occupied in rows:
        found.setdefault(space_id, []).append(DayFigures(day, working, known, occupied))
    return found
