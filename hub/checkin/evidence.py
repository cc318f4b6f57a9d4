"""What the hub knows of each occurrence's space, loaded for one look in a few queries.

The timeline (hub.analytics), how far the terminals' reports reach, and, for the audit
trail, the occupancy reports behind the timeline with their signals and bands, and the
room's motion sensors' edges (``sensor_events``).
"""

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hub.analytics.queries import SpaceData, load_spaces
from hub.analytics.timeline import build_timeline
from hub.checkin.policy import CheckInPolicy
from hub.checkin.rules import BOOKED, CHECKED_IN, Evidence
from hub.checkin.signals import MOTION_KINDS, MotionEdge, StateNote
from hub.db.models import BookingOccurrence, Device, OccupancyChange, SensorEvent

# How far before an occurrence the hub looks for the state of its room's motion sensors:
# a PIR that has been quiet longer than this is taken up from its next edge.
MOTION_LOOKBACK = timedelta(hours=1)
# How long past a terminal's newest report its space still counts as known: two heartbeat
# intervals (60 s by default), so a quiet terminal that is alive never looks stale.
REPORT_SLACK = timedelta(minutes=2)

SpaceKey = tuple[str, str]


def load_evidence(
    session: Session,
    occurrences: list[BookingOccurrence],
    now: datetime,
    policy: CheckInPolicy,
) -> dict[int, Evidence]:
    """Each occurrence's evidence, from all its spaces' data loaded in a few queries."""
    start = min(o.starts_at for o in occurrences) - policy.early_check_in
    end = max(o.ends_at for o in occurrences)
    room_ids = {o.space_id for o in occurrences if o.space_kind == "room"}
    desk_ids = {o.space_id for o in occurrences if o.space_kind == "desk"}
    spaces: dict[SpaceKey, SpaceData] = {
        (s.kind, s.id): s
        for s in load_spaces(
            session, room_ids=room_ids, desk_ids=desk_ids, start=start, end=end, now=now
        )
    }
    horizon = min(end, now)
    devices = _devices(session, {s.room_id for s in spaces.values()})
    known_until = _known_until(devices, now)
    notes = _notes(session, set(spaces), start, horizon)
    motion_by_room = _motion(session, devices, _motion_windows(occurrences, now, policy))
    counting = {room for room, rows in devices.items() if any(r[2] for r in rows)}
    out: dict[int, Evidence] = {}
    for occurrence in occurrences:
        space = spaces.get((occurrence.space_kind, occurrence.space_id))
        if space is None:  # the space is gone from the organisation: nothing watches it
            out[occurrence.id] = Evidence([], sensed=False)
            continue
        segments = build_timeline(
            space.changes,
            space.offline,
            start=occurrence.starts_at - policy.early_check_in,
            end=occurrence.ends_at,
            now=known_until.get(space.room_id, now),
        )
        is_room = space.kind == "room"
        out[occurrence.id] = Evidence(
            segments,
            sensed=space.room_id in known_until,
            notes=notes.get((space.kind, space.id), []),
            # A desk's own sensor is not the room's PIR: rooms only.
            motion=motion_by_room.get(space.room_id, []) if is_room else [],
            counts_people=is_room and space.room_id in counting,
        )
    return out


DeviceRow = tuple[str, datetime | None, bool]  # id, last event time, counts people


def _devices(session: Session, room_ids: set[str]) -> dict[str, list[DeviceRow]]:
    by_room: dict[str, list[DeviceRow]] = defaultdict(list)
    if not room_ids:
        return by_room
    rows = session.execute(
        select(Device.room_id, Device.id, Device.last_event_ts, Device.counts_people).where(
            Device.room_id.in_(room_ids)
        )
    )
    for room_id, device_id, last_event, counts in rows:
        by_room[room_id].append((device_id, last_event, bool(counts)))
    return by_room


def _known_until(devices: dict[str, list[DeviceRow]], now: datetime) -> dict[str, datetime]:
    """For each room a terminal watches: how far in event time its reports reach.

    A terminal replaying its spool after an outage reports the past; until it has caught
    up, the hub must not read "no change reported" as "nothing changed" up to now (the
    room would look empty and its bookings be released, then reinstated). So the state
    is known up to the newest event time any of the room's terminals has sent, plus
    REPORT_SLACK (heartbeats come every minute), and never beyond now.
    """
    known: dict[str, datetime] = {}
    for room_id, rows in devices.items():
        for _, last_event, _ in rows:
            reach = now if last_event is None else min(now, last_event + REPORT_SLACK)
            known[room_id] = max(known.get(room_id, reach), reach)
    return known


def _notes(
    session: Session, keys: Collection[SpaceKey], start: datetime, horizon: datetime
) -> dict[SpaceKey, list[StateNote]]:
    """Each space's occupancy reports in ``[start, horizon)``, after the one in force at
    ``start`` (the newest before it)."""
    out: dict[SpaceKey, list[StateNote]] = defaultdict(list)
    if not keys or horizon <= start:
        return out
    of_spaces = or_(
        *(
            and_(OccupancyChange.space_kind == kind, OccupancyChange.space_id.in_(ids))
            for kind in ("room", "desk")
            if (ids := [i for k, i in keys if k == kind])
        )
    )
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
    before = select(OccupancyChange).join(
        latest,
        and_(
            OccupancyChange.space_kind == latest.c.space_kind,
            OccupancyChange.space_id == latest.c.space_id,
            OccupancyChange.ts == latest.c.ts,
        ),
    )
    inside = select(OccupancyChange).where(
        of_spaces, OccupancyChange.ts >= start, OccupancyChange.ts < horizon
    )
    for query in (before, inside):
        for row in session.scalars(query.order_by(OccupancyChange.ts, OccupancyChange.id)):
            out[(row.space_kind, row.space_id)].append(
                StateNote(
                    ts=row.ts,
                    occupied=row.occupied,
                    signals=tuple(row.signals or ()),
                    probability=row.probability,
                    band=row.band,
                    band_top=row.band_top,
                )
            )
    return out


def _motion_windows(
    occurrences: list[BookingOccurrence], now: datetime, policy: CheckInPolicy
) -> dict[str, tuple[datetime, datetime]]:
    """Per room, the time whose motion edges can still give a ``kept`` decision: that of its
    open occurrences (booked or checked in) up to now. Released or ended ones had theirs
    written while they were open, so a busy room's pulses are not read again on every look."""
    windows: dict[str, tuple[datetime, datetime]] = {}
    for occ in occurrences:
        if occ.space_kind != "room" or occ.state not in (BOOKED, CHECKED_IN):
            continue
        lo, hi = occ.starts_at - policy.early_check_in, min(occ.ends_at, now)
        if lo >= hi:
            continue
        if occ.space_id in windows:
            old_lo, old_hi = windows[occ.space_id]
            lo, hi = min(lo, old_lo), max(hi, old_hi)
        windows[occ.space_id] = (lo, hi)
    return windows


def _motion(
    session: Session,
    devices: dict[str, list[DeviceRow]],
    windows: dict[str, tuple[datetime, datetime]],
) -> dict[str, list[MotionEdge]]:
    """Each room's motion edges in its window, after each sensor's last edge in the
    MOTION_LOOKBACK before it (whether it was still active when the window began)."""
    out: dict[str, list[MotionEdge]] = defaultdict(list)
    room_of = {
        device_id: room
        for room, rows in devices.items()
        if room in windows
        for device_id, _, _ in rows
    }
    if not room_of:
        return out

    def within(lo_of: Any, hi_of: Any) -> Any:
        return or_(
            *(
                and_(
                    SensorEvent.device_id.in_([d for d, _, _ in devices[room]]),
                    SensorEvent.ts >= lo_of(window),
                    SensorEvent.ts < hi_of(window),
                )
                for room, window in windows.items()
                if room in devices
            )
        )

    motion = SensorEvent.kind.in_(MOTION_KINDS)
    latest = (
        select(
            SensorEvent.device_id,
            SensorEvent.sensor_id,
            func.max(SensorEvent.ts).label("ts"),
        )
        .where(motion, within(lambda w: w[0] - MOTION_LOOKBACK, lambda w: w[0]))
        .group_by(SensorEvent.device_id, SensorEvent.sensor_id)
        .subquery()
    )
    columns = (SensorEvent.device_id, SensorEvent.sensor_id, SensorEvent.active, SensorEvent.ts)
    before = select(*columns).join(
        latest,
        and_(
            SensorEvent.device_id == latest.c.device_id,
            SensorEvent.sensor_id == latest.c.sensor_id,
            SensorEvent.ts == latest.c.ts,
            motion,
        ),
    )
    inside = select(*columns).where(motion, within(lambda w: w[0], lambda w: w[1]))
    for query in (before, inside):
        for device_id, sensor_id, active, ts in session.execute(
            query.order_by(SensorEvent.ts, SensorEvent.id)
        ):
            # Sensor ids are unique per terminal, not per room.
            out[room_of[device_id]].append(MotionEdge(ts, f"{device_id}/{sensor_id}", active))
    return out
