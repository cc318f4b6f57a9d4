"""The alert rules: a pure function of (facts, now, config) giving what is wrong now.

Each rule looks at one kind of subject and returns a finding per subject whose condition
holds at ``now``; what it found goes into ``details`` for programs, and into one sentence
(``message``) for people, with times in the room's own time zone.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hub.alerts.config import (
    DEVICE_OFFLINE,
    DOOR_STUCK,
    LOW_UTILIZATION,
    OVER_CAPACITY,
    SENSORS_SILENT,
    SEVERITY,
    SPOOL_FULL,
    SPOOL_NEARLY_FULL,
    UPDATE_FAILED,
    AlertConfig,
)
from hub.alerts.facts import DayFigures, Facts, Finding, RoomFacts

Rule = Callable[[Facts, datetime, AlertConfig], Iterable[Finding]]


def evaluate(facts: Facts, now: datetime, config: AlertConfig) -> list[Finding]:
    """Every finding of every rule that is on, in a stable order."""
    found: list[Finding] = []
    for name, rule in RULE_FUNCTIONS.items():
        if config.on(name):
            found.extend(rule(facts, now, config))
    return sorted(found, key=lambda f: f.key)


def _local(at: datetime, room: RoomFacts | None) -> str:
    zone = ZoneInfo(room.timezone) if room is not None else None
    shown = at.astimezone(zone) if zone is not None else at
    return shown.strftime("%a %d %b %H:%M") + ("" if zone is not None else " UTC")


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{span.total_seconds() / 60:.0f} min"


def _finding(
    rule: str, kind: str, subject: str, room_id: str | None, message: str, **details: object
) -> Finding:
    return Finding(rule, kind, subject, room_id, SEVERITY[rule], message, dict(details))


def low_utilization(facts: Facts, now: datetime, config: AlertConfig) -> Iterable[Finding]:
    """Each of the room's last N complete working days used below X % of its known time.

    A day counts when it had working hours and the room's state was known for at least half
    of them (a day the terminal was mostly offline says nothing about use). Today is never
    counted: it is not over.
    """
    wanted = config.low_utilization_days
    limit = config.low_utilization_pct / 100
    for room_id, days in facts.days.items():
        room = facts.rooms.get(room_id)
        if room is None:
            continue
        today = now.astimezone(ZoneInfo(room.timezone)).date()
        counted = sorted(
            (d for d in days if d.day < today and _day_counts(d)),
            key=lambda d: d.day,
            reverse=True,
        )[:wanted]
        if len(counted) < wanted or any(_share(d) >= limit for d in counted):
            continue
        shares = [round(_share(d) * 100, 1) for d in counted]
        average = sum(d.occupied_us for d in counted) / sum(d.known_us for d in counted)
        yield _finding(
            LOW_UTILIZATION,
            "room",
            room.id,
            room.id,
            f"{room.name} was in use less than {config.low_utilization_pct:g} % of its working "
            f"hours on each of its last {wanted} working days (on average {average * 100:.0f} %).",
            threshold_pct=config.low_utilization_pct,
            days=[
                {"day": d.day.isoformat(), "pct": p} for d, p in zip(counted, shares, strict=True)
            ],
            average_pct=round(average * 100, 1),
        )


def _day_counts(day: DayFigures) -> bool:
    return day.working_us > 0 and day.known_us * 2 >= day.working_us


def _share(day: DayFigures) -> float:
    return day.occupied_us / day.known_us


def over_capacity(facts: Facts, now: datetime, config: AlertConfig) -> Iterable[Finding]:
    """The room's headcount band (its lower bound) above capacity for a while."""
    for room in facts.rooms.values():
        since = room.over_capacity_since
        if not room.occupied or room.band is None or room.band <= room.capacity:
            continue
        if since is None or now - since < config.over_capacity_for:
            continue
        people = f"{room.band} or more" if room.band == room.band_top else f"at least {room.band}"
        yield _finding(
            OVER_CAPACITY,
            "room",
            room.id,
            room.id,
            f"{room.name} has held {people} people since {_local(since, room)}, "
            f"more than its capacity of {room.capacity}.",
            band=room.band,
            band_top=room.band_top,
            capacity=room.capacity,
            since=since.isoformat(),
        )


def device_offline(facts: Facts, now: datetime, config: AlertConfig) -> Iterable[Finding]:
    """A terminal offline (status or Last Will) for N minutes; never-seen ones are left out."""
    for device in facts.devices:
        since = device.status_changed_at
        if device.online or since is None or now - since < config.device_offline_for:
            continue
        room = facts.rooms.get(device.room_id)
        where = f" in {room.name}" if room is not None else ""
        yield _finding(
            DEVICE_OFFLINE,
            "device",
            device.id,
            device.room_id,
            f"Terminal {device.id}{where} has been offline since {_local(since, room)}.",
            offline_since=since.isoformat(),
        )


def door_stuck(facts: Facts, now: datetime, config: AlertConfig) -> Iterable[Finding]:
    """A door contact unchanged for N hours while its room was seen occupied in that time.

    People come and go through the door, so a room in use for hours with a door that never
    moved suggests a stuck or disconnected contact. Only terminals online now are judged.
    """
    window_start = now - config.door_stuck_for
    for device in facts.devices:
        room = facts.rooms.get(device.room_id)
        if not device.online or room is None or not _occupied_since(room, window_start):
            continue
        stuck = sorted(s for s, last in device.doors.items() if last <= window_start)
        if not stuck:
            continue
        oldest = min(device.doors[s] for s in stuck)
        names = ", ".join(stuck)
        yield _finding(
            DOOR_STUCK,
            "device",
            device.id,
            device.room_id,
            f"Door contact {names} of terminal {device.id} has not changed since "
            f"{_local(oldest, room)} although {room.name} was in use since then.",
            sensors={s: device.doors[s].isoformat() for s in stuck},
            hours=config.door_stuck_for.total_seconds() / 3600,
        )


def _occupied_since(room: RoomFacts, start: datetime) -> bool:
    recent = room.last_occupied_at is not None and room.last_occupied_at >= start
    return bool(room.occupied) or recent


def sensors_silent(facts: Facts, now: datetime, config: AlertConfig) -> Iterable[Finding]:
    """A terminal online for N hours without a single sensor event in that time."""
    for device in facts.devices:
        online_since = device.status_changed_at
        if not device.online or online_since is None:
            continue
        last = device.last_sensor_event_at
        quiet_since = max(online_since, last) if last is not None else online_since
        if now - quiet_since < config.sensors_silent_for:
            continue
        room = facts.rooms.get(device.room_id)
        heard = f"since {_local(last, room)}" if last is not None else "ever"
        yield _finding(
            SENSORS_SILENT,
            "device",
            device.id,
            device.room_id,
            f"Terminal {device.id} is online but has reported no sensor event {heard} "
            f"(over {_hours(config.sensors_silent_for)}).",
            last_sensor_event_at=last.isoformat() if last is not None else None,
            online_since=online_since.isoformat(),
        )


def spool_full(facts: Facts, now: datetime, config: AlertConfig) -> Iterable[Finding]:
    """A terminal's spool dropped messages because it was full, within the window.

    The sign is the ``spool_gap`` (reason ``spool_full``) the terminal sends when it gives
    messages up; ``spool_nearly_full`` warns before, from the heartbeats' fill.
    """
    for device in facts.devices:
        last = device.spool_full_last_at
        if device.spool_full_reports == 0 or last is None or now - last > config.spool_full_window:
            continue
        yield _finding(
            SPOOL_FULL,
            "device",
            device.id,
            device.room_id,
            f"Terminal {device.id}'s spool was full and dropped {device.spool_dropped} messages "
            f"in the last {_hours(config.spool_full_window)}.",
            dropped=device.spool_dropped,
            reports=device.spool_full_reports,
            last_reported_at=last.isoformat(),
        )


def spool_nearly_full(facts: Facts, now: datetime, config: AlertConfig) -> Iterable[Finding]:
    """The newest heartbeat's spool fill at or above X % of its messages or of its bytes.

    Judged on the newest fill however old it is: an offline terminal keeps its last one (its
    spool is still filling; ``device_offline`` says it is away).
    """
    limit = config.spool_nearly_full_pct / 100
    for device in facts.devices:
        fill = device.spool_fill
        used = max(fill.messages_share, fill.bytes_share) if fill is not None else 0.0
        if fill is None or used < limit:
            continue
        room = facts.rooms.get(device.room_id)
        yield _finding(
            SPOOL_NEARLY_FULL,
            "device",
            device.id,
            device.room_id,
            f"Terminal {device.id}'s spool is {used * 100:.0f} % full ({fill.pending} of "
            f"{fill.max_messages} messages, {_mb(fill.bytes)} of {_mb(fill.max_bytes)} MB) by "
            f"its heartbeat of {_local(fill.reported_at, room)}; when full it drops heartbeats, "
            "sensor events and occupancy.",
            threshold_pct=config.spool_nearly_full_pct,
            used_pct=round(used * 100, 1),
            messages_pct=round(fill.messages_share * 100, 1),
            bytes_pct=round(fill.bytes_share * 100, 1),
            pending=fill.pending,
            max_messages=fill.max_messages,
            bytes=fill.bytes,
            max_bytes=fill.max_bytes,
            reported_at=fill.reported_at.isoformat(),
        )


def update_failed(facts: Facts, now: datetime, config: AlertConfig) -> Iterable[Finding]:
    """The terminal's newest software update failed, was rolled back or timed out, within the
    window (24 h): such a report halts its rollout (docs/fleet.md). It clears after the window,
    or sooner once a newer rollout (or a late report) finds the terminal healthy."""
    for device in facts.devices:
        failure = device.update_failure
        if failure is None:
            continue
        room = facts.rooms.get(device.room_id)
        how = {
            "rolled_back": "was rolled back",
            "failed": "failed",
            "timed_out": "gave no outcome in time",
        }.get(failure.state, failure.state)
        because = f" ({failure.reason})" if failure.reason else ""
        yield _finding(
            UPDATE_FAILED,
            "device",
            device.id,
            device.room_id,
            f"Terminal {device.id}'s update to {failure.version} {how}{because} at "
            f"{_local(failure.at, room)} (rollout {failure.rollout_id}: "
            "python -m hub releases status).",
            rollout_id=failure.rollout_id,
            version=failure.version,
            state=failure.state,
            reason=failure.reason,
            detail=failure.detail,
            at=failure.at.isoformat(),
        )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


RULE_FUNCTIONS: dict[str, Rule] = {
    LOW_UTILIZATION: low_utilization,
    OVER_CAPACITY: over_capacity,
    DEVICE_OFFLINE: device_offline,
    DOOR_STUCK: door_stuck,
    SENSORS_SILENT: sensors_silent,
    SPOOL_FULL: spool_full,
    SPOOL_NEARLY_FULL: spool_nearly_full,
    UPDATE_FAILED: update_failed,
}
