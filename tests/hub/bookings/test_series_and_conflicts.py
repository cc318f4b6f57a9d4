"""Series expansion (time zones, DST, exdates, absurd rules) and conflicts between bookings."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.bookings.errors import BookingConflict, BookingError
from hub.bookings.series import extend_horizon, occurrence_times
from hub.bookings.service import cancel_booking, create_booking
from hub.db.models import Booking, BookingDecision, BookingOccurrence

NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: str, clock: str, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=tz)


def book(session: Session, start: datetime, minutes: int = 60, **kwargs: object) -> Booking:
    values: dict[object, object] = {
        "space_kind": "room",
        "space_id": "hq-f1-aurora",
        "organizer_id": "alice",
        "title": "Meeting",
        "now": NOW,
        **kwargs,
    }
    return create_booking(
        session,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        **values,  # type: ignore[arg-type]
    )


def occurrences(session: Session, booking: Booking) -> list[BookingOccurrence]:
    return list(
        session.scalars(
            select(BookingOccurrence)
            .where(BookingOccurrence.booking_id == booking.id)
            .order_by(BookingOccurrence.starts_at)
        )
    )


def test_a_single_booking_has_one_occurrence(session: Session) -> None:
    booking = book(session, at("2026-01-07", "09:00"))
    rows = occurrences(session, booking)
    assert [(r.starts_at, r.ends_at, r.state) for r in rows] == [
        (datetime(2026, 1, 7, 8, tzinfo=UTC), datetime(2026, 1, 7, 9, tzinfo=UTC), "booked")
    ]
    assert booking.timezone == "Europe/Berlin"  # the room's


def test_a_weekly_series_keeps_local_time_across_the_march_change(session: Session) -> None:
    # Mondays 09:00 Berlin from 16 March; clocks go forward on Sunday 29 March 2026.
    booking = book(session, at("2026-03-16", "09:00"), rrule="FREQ=WEEKLY;COUNT=4")
    rows = occurrences(session, booking)
    assert [r.starts_at.astimezone(BERLIN).strftime("%m-%d %H:%M") for r in rows] == [
        "03-16 09:00",
        "03-23 09:00",
        "03-30 09:00",
        "04-06 09:00",
    ]
    # In UTC the meeting moves by the hour that Berlin moved.
    assert [r.starts_at.hour for r in rows] == [8, 8, 7, 7]
    assert all(r.ends_at - r.starts_at == timedelta(hours=1) for r in rows)


def test_a_series_in_another_zone_follows_that_zone(session: Session) -> None:
    # New York changes on 8 March, Berlin on 29 March: only New York's clock matters here.
    ny = ZoneInfo("America/New_York")
    booking = book(
        session,
        at("2026-03-02", "10:00", ny),
        rrule="FREQ=WEEKLY;COUNT=3",
        timezone="America/New_York",
    )
    assert [r.starts_at.hour for r in occurrences(session, booking)] == [15, 14, 14]


def test_exdates_are_left_out_and_until_is_inclusive(session: Session) -> None:
    first = at("2026-02-02", "09:00")
    booking = book(
        session,
        first,
        rrule="FREQ=DAILY;UNTIL=20260206T090000",  # floating UNTIL: local to the booking
        exdates=[at("2026-02-04", "09:00")],
    )
    days = [r.starts_at.astimezone(BERLIN).day for r in occurrences(session, booking)]
    assert days == [2, 3, 5, 6]


def test_only_occurrences_up_to_the_horizon_are_materialized(session: Session) -> None:
    booking = book(session, at("2026-01-12", "09:00"), rrule="FREQ=WEEKLY;BYDAY=MO")
    rows = occurrences(session, booking)
    assert rows[-1].starts_at < NOW + timedelta(days=180)
    assert len(rows) == 25  # 12 Jan .. 29 Jun
    # Time passes: extending adds the following weeks, and doing it twice adds nothing more.
    later = NOW + timedelta(days=14)
    assert extend_horizon(session, later) == 2
    assert extend_horizon(session, later) == 0
    assert len(occurrences(session, booking)) == 27


def test_extending_never_takes_a_slot_booked_beyond_the_old_horizon(session: Session) -> None:
    weekly = book(session, at("2026-01-12", "09:00"), rrule="FREQ=WEEKLY;BYDAY=MO")
    later = NOW + timedelta(days=28)
    # Four weeks on, 13 July is within reach for others, not yet materialized for the series.
    single = book(session, at("2026-07-13", "09:30"), organizer_id="bob", now=later)
    assert extend_horizon(session, later) == 4  # 6, 13, 20 and 27 July
    by_day = {r.starts_at.date().isoformat(): r for r in occurrences(session, weekly)}
    assert by_day["2026-07-13"].state == "cancelled"
    assert by_day["2026-07-06"].state == by_day["2026-07-20"].state == "booked"
    decision = session.scalar(
        select(BookingDecision).where(BookingDecision.occurrence_id == by_day["2026-07-13"].id)
    )
    assert decision is not None and single.id in decision.explanation
    assert occurrences(session, single)[0].state == "booked"


def test_a_series_with_nothing_in_the_future_is_refused(session: Session) -> None:
    with pytest.raises(BookingError, match="no occurrence"):
        book(
            session,
            at("2026-01-12", "09:00"),
            rrule="FREQ=DAILY;COUNT=2",
            exdates=[at("2026-01-12", "09:00"), at("2026-01-13", "09:00")],
        )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=HOURLY", "only FREQ=DAILY"),
        ("FREQ=MINUTELY;COUNT=5", "only FREQ=DAILY"),
        ("FREQ=SECONDLY", "only FREQ=DAILY"),
        ("FREQ=WEEKLY;BYDAY=XX", "not valid"),
        ("BYDAY=MO", "not valid"),
        ("FREQ=WEEKLY\nRRULE:FREQ=DAILY", "not one RRULE"),
        ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15;BYMINUTE=0,30", "more than"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never matches"),
        ("FREQ=YEARLY;BYWEEKNO=20", "not supported"),
        ("FREQ=DAILY;BYHOUR=9,10", "overlap each other"),
    ],
)
def test_invalid_and_absurd_rules_are_refused(session: Session, rule: str, message: str) -> None:
    with pytest.raises(BookingError, match=message):
        book(session, at("2026-01-12", "09:00"), minutes=90, rrule=rule)
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_an_unknown_time_zone_is_refused(session: Session) -> None:
    with pytest.raises(BookingError, match="unknown time zone"):
        book(session, at("2026-01-12", "09:00"), timezone="Mars/Olympus")


@pytest.mark.parametrize(
    ("start", "minutes", "message"),
    [
        (at("2026-01-12", "09:00"), 0, "must be after"),
        (at("2026-01-12", "09:00"), 25 * 60, "at most"),
        (at("2026-09-01", "09:00"), 60, "days ahead"),
        (at("2026-01-05", "09:00"), 60, "no occurrence"),  # in the past
    ],
)
def test_bad_times_are_refused(
    session: Session, start: datetime, minutes: int, message: str
) -> None:
    with pytest.raises(BookingError, match=message):
        book(session, start, minutes=minutes)


# -- conflicts ---------------------------------------------------------------------------


def test_an_overlap_is_refused_naming_the_booking_and_time(session: Session) -> None:
    first = book(session, at("2026-01-07", "09:00"), title="Secret board meeting")
    with pytest.raises(BookingConflict) as raised:
        book(session, at("2026-01-07", "09:30"), organizer_id="bob")
    message = str(raised.value)
    assert first.id in message and "2026-01-07T08:00:00+00:00" in message
    assert "Secret" not in message
    assert raised.value.status == 409


def test_back_to_back_is_fine(session: Session) -> None:
    book(session, at("2026-01-07", "09:00"))
    book(session, at("2026-01-07", "10:00"), organizer_id="bob")
    book(session, at("2026-01-07", "08:00"), organizer_id="bob")
    assert session.scalar(select(func.count()).select_from(BookingOccurrence)) == 3


def test_a_series_conflicting_in_one_week_is_refused(session: Session) -> None:
    book(session, at("2026-02-11", "09:30"))  # a Wednesday
    with pytest.raises(BookingConflict, match="2026-02-11T08:30"):
        book(session, at("2026-01-07", "09:00"), rrule="FREQ=WEEKLY;BYDAY=WE", organizer_id="bob")


def test_other_spaces_do_not_conflict(session: Session) -> None:
    book(session, at("2026-01-07", "09:00"))
    book(session, at("2026-01-07", "09:00"), space_id="hq-f1-borealis")
    book(session, at("2026-01-07", "09:00"), space_kind="desk", space_id="hq-f2-e01")
    book(session, at("2026-01-07", "09:00"), space_kind="desk", space_id="hq-f2-e02")
    with pytest.raises(BookingConflict):
        book(session, at("2026-01-07", "09:15"), space_kind="desk", space_id="hq-f2-e01")


@pytest.mark.parametrize("state", ["released", "cancelled", "ended"])
def test_released_cancelled_and_ended_occurrences_do_not_block(
    session: Session, state: str
) -> None:
    first = book(session, at("2026-01-07", "09:00"))
    (row,) = occurrences(session, first)
    row.state = state
    session.flush()
    book(session, at("2026-01-07", "09:00"), organizer_id="bob")


def test_checked_in_occurrences_block(session: Session) -> None:
    first = book(session, at("2026-01-07", "09:00"))
    occurrences(session, first)[0].state = "checked_in"
    session.flush()
    with pytest.raises(BookingConflict):
        book(session, at("2026-01-07", "09:59"), organizer_id="bob")


def test_a_cancelled_booking_frees_its_slots(session: Session) -> None:
    first = book(session, at("2026-01-07", "09:00"), rrule="FREQ=DAILY;COUNT=3")
    cancel_booking(session, first.id, actor="alice", now=NOW, reason="moved")
    assert {r.state for r in occurrences(session, first)} == {"cancelled"}
    decision = session.scalar(select(BookingDecision).where(BookingDecision.kind == "cancelled"))
    assert decision is not None and decision.actor == "alice" and "moved" in decision.explanation
    book(session, at("2026-01-08", "09:00"), organizer_id="bob")


def test_occurrence_times_of_a_single_booking_outside_the_window_are_empty() -> None:
    booking = Booking(
        starts_at=NOW, ends_at=NOW + timedelta(hours=1), timezone="UTC", rrule=None, exdates=[]
    )
    assert (
        occurrence_times(booking, since=NOW + timedelta(hours=1), until=NOW + timedelta(days=1))
        == []
    )
    assert len(occurrence_times(booking, since=NOW, until=NOW + timedelta(days=1))) == 1
