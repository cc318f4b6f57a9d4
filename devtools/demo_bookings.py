"""The demo's bookings, for the day the terminals replay.

The example room Aurora replays ``meeting_room_day``: meetings at 09:00 and 10:00, someone
who only looks in at 12:04, and nobody from 13:51 to 16:25. Booked here for that day:
the two morning meetings (checked in by occupancy as the replay reaches them), the 12:00
slot, and a 14:00 budget review nobody attends, released as a no-show at 14:10 replay
time: about two minutes after the demo starts at the default speed. The hub's decisions,
with what was seen, are at ``GET /api/v1/decisions``.

The API refuses bookings that lie wholly in the past, so the demo books the replayed day
with the hub's own booking service (conflict checks and all) on the hub's database, as
of the morning of that day.
"""

from datetime import datetime, time, timedelta

from hub.auth.users import BOOTSTRAP_ADMIN_ID
from hub.bookings.service import create_booking
from hub.db.engine import make_engine, make_session_factory

AURORA = "hq-f1-aurora"
# (local start, minutes, title)
DAY = [
    (time(9, 0), 50, "Team planning"),
    (time(10, 0), 90, "Customer workshop"),
    (time(12, 0), 30, "Design review"),
    (time(14, 0), 60, "Budget review"),
]
# The demo judges the replayed day, which lies further back than the default 12 h.
LATE_WINDOW_H = "120"


def book_replayed_day(database_url: str, day_start: datetime) -> list[str]:
    """Book ``DAY`` in Aurora on the local day of ``day_start``; returns the booking ids."""
    engine = make_engine(database_url)
    ids = []
    try:
        with make_session_factory(engine)() as session, session.begin():
            for start_time, minutes, title in DAY:
                start = datetime.combine(day_start.date(), start_time, day_start.tzinfo)
                booking = create_booking(
                    session,
                    space_kind="room",
                    space_id=AURORA,
                    organizer_id=BOOTSTRAP_ADMIN_ID,
                    title=title,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=minutes),
                    now=day_start,
                )
                ids.append(booking.id)
    finally:
        engine.dispose()
    return ids


# A booking of today nobody attends, so a no-show is released on the floor view within the
# demo's first minutes. Its room's terminal replays only the last hour (caught up in about
# 15 s at 240x), so the hub knows the room was empty well before the booking started.
NO_SHOW_ROOM = "hq-f1-borealis"
NO_SHOW_SCENARIO = "huddle_room_day"
NO_SHOW_REPLAY = timedelta(hours=1)
NO_SHOW_STARTED = timedelta(minutes=8)  # ago, with the hub's default 10 min grace
GRACE = timedelta(minutes=10)
# Around a scenario's activity: the room's 4 min hold, and a minute to spare.
PAD = timedelta(minutes=5)


def quiet_start(now: datetime, busy: list[tuple[datetime, datetime]]) -> datetime:
    """The first start from ``now - NO_SHOW_STARTED`` whose grace period sees nobody."""
    start = now - NO_SHOW_STARTED
    for _ in range(200):
        window = (start - PAD, start + GRACE + PAD)
        clash = [end for begin, end in busy if begin < window[1] and end > window[0]]
        if not clash:
            return start
        start = max(clash) + PAD
    return start


def scenario_busy(now: datetime, timezone: str) -> list[tuple[datetime, datetime]]:
    """When the no-show room's scenario has someone there, today and tomorrow (local)."""
    from zoneinfo import ZoneInfo

    from edge.scenario import load_scenario

    steps = load_scenario(NO_SHOW_SCENARIO).scenario.steps
    local = now.astimezone(ZoneInfo(timezone))
    busy = []
    for days in (0, 1):
        midnight = datetime.combine(local.date() + timedelta(days=days), time(0), local.tzinfo)
        for step in steps:
            if step.at > 0:  # the door closed at midnight is nobody
                busy.append(
                    (
                        midnight + timedelta(seconds=step.at),
                        midnight + timedelta(seconds=step.last_offset),
                    )
                )
    return busy


def book_no_show(database_url: str, now: datetime, timezone: str) -> datetime:
    """Book the no-show room today; returns when the hub will release it as a no-show."""
    start = quiet_start(now, scenario_busy(now, timezone))
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            create_booking(
                session,
                space_kind="room",
                space_id=NO_SHOW_ROOM,
                organizer_id=BOOTSTRAP_ADMIN_ID,
                title="Vendor call (nobody comes)",
                starts_at=start,
                ends_at=start + timedelta(minutes=45),
                now=start - timedelta(minutes=1),
            )
    finally:
        engine.dispose()
    return start + GRACE
