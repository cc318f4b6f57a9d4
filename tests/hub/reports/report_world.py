"""A hub with a small, hand-counted week for the report tests.

Monday 2026-01-05 (Berlin, UTC+1; rooms work 08:00-18:00), sensors from 07:00:

- Aurora (shared, 8 seats): occupied 10:00-11:00 and 14:00-15:00 (2 h of 10 known).
  Bookings: 10:00-11:00 checked in and ended (1 h booked, 1 h used); 13:00-14:00 released
  as a no-show at 13:10 (10 min booked, a ghost); 14:00-16:00 checked in, released as
  abandoned at 15:15 (1 h 15 min booked, 1 h of it used). Booked 2 h 25 min = 2.4167 h.
- Cosmos boardroom (exec, 12 seats): occupied 09:00-13:00 (4 h of 10), no bookings.
- Borealis (shared) and the East desk area (engineering, 6 desks): no data.

The week before (Monday 2025-12-29 to Friday 2026-01-02, no sensor data on those days):
Cosmos has 5 held meetings with sensor head counts 3, 5, 4, 6, 2 (peak 6, median 4,
p80 5); Borealis 4 with 2 people each (fewer than 5: withheld).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api_world import Hub

from hub.analytics.rollups import refresh_rollups
from hub.db.models import Booking, BookingOccurrence

BERLIN = ZoneInfo("Europe/Berlin")
MON = date(2026, 1, 5)
LAST_WEEK = date(2025, 12, 29)
ORGANIZER = "facilities-engineering"


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=BERLIN).astimezone(UTC)


def add_meeting(
    hub: Hub,
    booking_id: str,
    room: str,
    day: date,
    hours: tuple[tuple[int, int], tuple[int, int]],
    **occurrence: object,
) -> None:
    (h1, m1), (h2, m2) = hours
    starts, ends = local(day, h1, m1), local(day, h2, m2)
    with hub.session() as session:
        session.add(
            Booking(
                id=booking_id, space_kind="room", space_id=room, organizer_id=ORGANIZER,
                title="Meeting", starts_at=starts, ends_at=ends, timezone="Europe/Berlin",
                source="api", created_at=starts - timedelta(days=1),
                updated_at=starts - timedelta(days=1),
            )
        )  # fmt: skip
        session.flush()
        session.add(
            BookingOccurrence(
                booking_id=booking_id, space_kind="room", space_id=room, starts_at=starts,
                ends_at=ends, **occurrence,
            )
        )  # fmt: skip


def fill_week(hub: Hub) -> None:
    hub.add_user(ORGANIZER, "facilities", "engineering")
    hub.add_changes(
        "room", "hq-f1-aurora", "term-hq-f1-aurora",
        (local(MON, 7), False), (local(MON, 10), True), (local(MON, 11), False),
        (local(MON, 14), True), (local(MON, 15), False),
    )  # fmt: skip
    hub.add_changes(
        "room", "hq-f2-cosmos", "term-hq-f2-cosmos",
        (local(MON, 7), False), (local(MON, 9), True), (local(MON, 13), False),
    )  # fmt: skip
    add_meeting(hub, "a1", "hq-f1-aurora", MON, ((10, 0), (11, 0)), state="ended",
                checked_in_at=local(MON, 10), check_in_method="occupancy")  # fmt: skip
    add_meeting(hub, "a2", "hq-f1-aurora", MON, ((13, 0), (14, 0)), state="released",
                released_at=local(MON, 13, 10), release_reason="no_show")  # fmt: skip
    add_meeting(hub, "a3", "hq-f1-aurora", MON, ((14, 0), (16, 0)), state="released",
                checked_in_at=local(MON, 14), check_in_method="occupancy",
                released_at=local(MON, 15, 15), release_reason="abandoned")  # fmt: skip
    for i, people in enumerate([3, 5, 4, 6, 2]):
        add_meeting(hub, f"c{i}", "hq-f2-cosmos", LAST_WEEK + timedelta(days=i),
                    ((14, 0), (15, 0)), state="ended", peak_people=people,
                    checked_in_at=local(LAST_WEEK + timedelta(days=i), 14),
                    check_in_method="occupancy")  # fmt: skip
    for i in range(4):
        add_meeting(hub, f"b{i}", "hq-f1-borealis", LAST_WEEK + timedelta(days=i),
                    ((9, 0), (10, 0)), state="ended", peak_people=2,
                    checked_in_at=local(LAST_WEEK + timedelta(days=i), 9),
                    check_in_method="occupancy")  # fmt: skip
    with hub.session() as session:
        refresh_rollups(session, hub.clock.now())
