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
