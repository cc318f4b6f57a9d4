"""Check-in and release scenarios on a real database, with time given explicitly (a fake
clock): each look at the bookings is ``run_once(session, now)``.

Room hq-f1-aurora has terminal term-hq-f1-aurora (example organisation). Times are UTC on
Monday 2026-03-02; the booking under test runs 09:00-10:00 unless a test says otherwise.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from checkin_builders import add_booking, add_change
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from hub.checkin.actions import CheckInError, check_in, release
from hub.checkin.engine import run_once
from hub.checkin.policy import CheckInPolicy
from hub.db.engine import make_engine
from hub.db.models import (
    Booking,
    BookingDecision,
    BookingOccurrence,
    Device,
    DeviceStatusChange,
    Notification,
    SpaceState,
    User,
)

ROOM, TERMINAL = "hq-f1-aurora", "term-hq-f1-aurora"
POLICY = CheckInPolicy()  # grace 10 min, abandoned after 15 min, flag at 2, cancel at 3


def at(hh: int, mm: int = 0, ss: int = 0, *, day: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, ss, tzinfo=UTC) + timedelta(days=day)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, fresh_database: Any) -> Iterator[Engine]:
    engine = make_engine(fresh_database(request.param, "org"))
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        session.add(
            User(id="ana", display_name="Ana", role="member", active=True, created_at=at(0))
        )
        session.commit()
        yield session


def book(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    repeats: int = 1,
    space: tuple[str, str] = ("room", ROOM),
) -> Booking:
    return add_booking(
        session, start, end, organizer="ana", repeats=repeats, space=space, created=at(0)
    )


def seen(session: Session, ts: datetime, occupied: bool) -> None:
    """The terminal reports the room occupied or empty from ``ts`` on."""
    add_change(session, ts, occupied)


def look(session: Session, now: datetime) -> list[str]:
    """One tick of the engine; the kinds of the decisions it took."""
    report = run_once(session, now, POLICY)
    session.commit()
    return [d.kind for d in report.decisions]


def occurrence(session: Session, booking: Booking, week: int = 0) -> BookingOccurrence:
    found = session.scalars(
        select(BookingOccurrence)
        .where(BookingOccurrence.booking_id == booking.id)
        .order_by(BookingOccurrence.starts_at)
    ).all()
    session.refresh(found[week])
    return found[week]


def notices(session: Session) -> list[str]:
    return list(session.scalars(select(Notification.kind).order_by(Notification.id)))


def test_a_no_show_is_released_exactly_when_the_grace_period_ends(session: Session) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    assert look(session, at(9, 9, 59)) == []
    assert occurrence(session, booking).state == "booked"
    assert look(session, at(9, 10)) == ["released_no_show"]
    released = occurrence(session, booking)
    assert (released.state, released.release_reason) == ("released", "no_show")
    assert released.released_at == at(9, 10)
    decision = session.scalars(select(BookingDecision)).one()
    assert decision.effective_at == at(9, 10)
    assert "empty from 09:00:00 UTC to 09:10:00 UTC (pir)" in decision.explanation
    assert {e["what"] for e in decision.evidence} == {
        "space seen empty",
        "no check-in",
        "space reported vacant",  # the report that made it vacant, with its signals
    }
    assert decision.evidence[-1]["signals"] == ["pir"]
    assert notices(session) == ["released_no_show"]
    assert look(session, at(9, 11)) == []  # decided once


def test_people_arriving_at_minute_nine_keep_the_booking(session: Session) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    seen(session, at(9, 9), True)
    assert look(session, at(9, 10)) == ["checked_in"]
    kept = occurrence(session, booking)
    assert (kept.state, kept.checked_in_at, kept.check_in_method) == (
        "checked_in",
        at(9, 9),
        "occupancy",
    )
    assert look(session, at(9, 30)) == []
    assert notices(session) == []


def test_people_arriving_after_the_grace_period_do_not_check_in_by_being_there(
    session: Session,
) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    seen(session, at(9, 11), True)
    assert look(session, at(9, 12)) == ["released_no_show"]
    assert occurrence(session, booking).state == "released"


def test_a_check_in_that_reaches_the_hub_late_undoes_the_release(session: Session) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    assert look(session, at(9, 10)) == ["released_no_show"]
    # Said at 09:05 on the terminal ("we're here") while the hub was unreachable; it
    # arrives at 09:25.
    decisions = check_in(
        session,
        occurrence(session, booking),
        at=at(9, 5),
        method="voice",
        actor="term-hq-f1-aurora",
        now=at(9, 25),
        policy=POLICY,
    )
    session.commit()
    assert [d.kind for d in decisions] == ["release_undone"]
    restored = occurrence(session, booking)
    assert (restored.state, restored.checked_in_at, restored.released_at) == (
        "checked_in",
        at(9, 5),
        None,
    )
    assert "undone" in decisions[0].explanation
    assert notices(session) == ["released_no_show", "release_undone"]
    assert look(session, at(9, 26)) == []


def test_occupancy_that_arrives_late_undoes_the_release(session: Session) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    assert look(session, at(9, 10)) == ["released_no_show"]
    seen(session, at(9, 4), True)  # spooled on the terminal, delivered at 09:40
    assert look(session, at(9, 40)) == ["release_undone", "checked_in"]
    restored = occurrence(session, booking)
    assert (restored.state, restored.checked_in_at) == ("checked_in", at(9, 4))


def test_an_abandoned_meeting_is_released_after_fifteen_empty_minutes(session: Session) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    seen(session, at(9, 2), True)
    seen(session, at(9, 20), False)
    assert look(session, at(9, 5)) == ["checked_in"]
    assert look(session, at(9, 34, 59)) == []
    assert look(session, at(9, 35)) == ["released_abandoned"]
    done = occurrence(session, booking)
    assert (done.state, done.release_reason, done.released_at) == (
        "released",
        "abandoned",
        at(9, 35),
    )
    assert done.checked_in_at == at(9, 2)  # they did come
    assert notices(session) == ["released_abandoned"]


def test_a_short_break_is_not_abandonment(session: Session) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    seen(session, at(9, 2), True)
    seen(session, at(9, 20), False)
    seen(session, at(9, 30), True)
    assert look(session, at(9, 40)) == ["checked_in"]
    assert look(session, at(10, 1)) == []
    assert occurrence(session, booking).state == "ended"


def test_no_release_on_missing_data(session: Session) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    session.add(DeviceStatusChange(device_id=TERMINAL, online=False, at=at(9, 3), reason="lwt"))
    session.add(DeviceStatusChange(device_id=TERMINAL, online=True, at=at(9, 8), reason="start"))
    session.commit()
    seen(session, at(9, 8), False)  # the terminal's initial report after it restarted
    assert look(session, at(9, 10)) == ["release_withheld"]
    kept = occurrence(session, booking)
    assert kept.state == "booked"
    decision = session.scalars(select(BookingDecision)).one()
    assert "no sensor data from 09:03:00 UTC to 09:08:00 UTC" in decision.explanation
    assert look(session, at(9, 20)) == []  # explained once


def test_bookings_wait_while_a_terminal_replays_its_spool(session: Session) -> None:
    """After an outage the terminal's spool delivers the past in order. Until it has caught
    up, "no change reported" does not mean "nothing changed"."""
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    terminal = session.get(Device, TERMINAL)
    assert terminal is not None
    terminal.last_event_ts = at(8, 30)  # the replay has reached 08:30 so far
    session.commit()
    assert look(session, at(9, 40)) == []  # waiting for the replay, not deciding
    assert occurrence(session, booking).state == "booked"
    seen(session, at(9, 3), True)
    terminal.last_event_ts = at(9, 39)  # caught up
    session.commit()
    assert look(session, at(9, 41)) == ["checked_in"]
    assert occurrence(session, booking).checked_in_at == at(9, 3)


def test_a_space_no_terminal_watches_needs_a_check_in(session: Session) -> None:
    room = "hq-f2-cosmos"
    session.execute(delete(Device).where(Device.room_id == room))  # its terminal is removed
    session.commit()
    booking = book(session, at(9), at(10), space=("room", room))
    assert look(session, at(9, 10)) == ["released_no_show"]
    assert (
        "no sensor watches this space" in session.scalars(select(BookingDecision.explanation)).one()
    )
    assert occurrence(session, booking).state == "released"


def test_a_zombie_series_is_flagged_then_cancelled(session: Session) -> None:
    series = book(session, at(9), at(10), repeats=5)
    seen(session, at(8), False)
    assert look(session, at(9, 10)) == ["released_no_show"]
    assert look(session, at(9, 10, day=7)) == ["released_no_show", "series_flagged"]
    session.refresh(series)
    assert (series.strikes, series.flagged_at) == (2, at(9, 10, day=7))
    assert look(session, at(9, 10, day=14)) == ["released_no_show", "series_cancelled"]
    session.refresh(series)
    assert series.cancelled_at == at(9, 10, day=14)
    assert [occurrence(session, series, week).state for week in range(5)] == [
        "released",
        "released",
        "released",
        "cancelled",
        "cancelled",
    ]
    assert notices(session) == [
        "released_no_show",
        "released_no_show",
        "series_flagged",
        "released_no_show",
        "series_cancelled",
    ]


def test_people_coming_reset_the_strikes(session: Session) -> None:
    series = book(session, at(9), at(10), repeats=4)
    seen(session, at(8), False)
    look(session, at(9, 10))
    look(session, at(9, 10, day=7))
    session.refresh(series)
    assert series.flagged_at is not None
    seen(session, at(9, 1, day=14), True)
    assert look(session, at(9, 10, day=14)) == ["checked_in", "series_unflagged"]
    session.refresh(series)
    assert (series.strikes, series.flagged_at) == (0, None)


def test_an_undone_no_show_takes_its_strike_back(session: Session) -> None:
    series = book(session, at(9), at(10), repeats=3)
    seen(session, at(8), False)
    look(session, at(9, 10))
    assert look(session, at(9, 10, day=7)) == ["released_no_show", "series_flagged"]
    seen(session, at(9, 3, day=7), True)  # late evidence for the second week
    assert look(session, at(9, 30, day=7)) == ["release_undone", "checked_in", "series_unflagged"]
    session.refresh(series)
    assert series.strikes == 0


def test_releasing_by_hand_is_final(session: Session) -> None:
    booking = book(session, at(9), at(10))
    seen(session, at(8), False)
    seen(session, at(9, 1), True)
    look(session, at(9, 2))
    decision = release(session, occurrence(session, booking), actor="ana", now=at(9, 30))
    session.commit()
    assert decision.kind == "released_manual"
    assert look(session, at(9, 31)) == []
    with pytest.raises(CheckInError, match="released by a person"):
        check_in(
            session,
            occurrence(session, booking),
            at=at(9, 32),
            method="api",
            actor="ana",
            now=at(9, 32),
            policy=POLICY,
        )


def test_a_check_in_after_the_release_cannot_take_back_a_rebooked_space(
    session: Session,
) -> None:
    first = book(session, at(9), at(10))
    seen(session, at(8), False)
    look(session, at(9, 10))
    book(session, at(9, 30), at(10))  # someone took the freed room
    with pytest.raises(CheckInError, match="booked again"):
        check_in(
            session,
            occurrence(session, first),
            at=at(9, 20),
            method="display",
            actor="ana",
            now=at(9, 20),
            policy=POLICY,
        )


def occupied_since(session: Session, since: datetime) -> None:
    """The live state (as ingest keeps it) of the room: occupied from ``since``."""
    session.add(
        SpaceState(
            space_kind="room",
            space_id=ROOM,
            occupied=True,
            since=since,
            updated_at=since,
            last_change_ts=since,
        )
    )
    seen(session, since, True)


def test_people_in_an_unbooked_room_get_a_booking_when_auto_booking_is_on(
    session: Session,
) -> None:
    auto = CheckInPolicy(auto_book=True)
    occupied_since(session, at(9, 2))
    assert [d.kind for d in run_once(session, at(9, 6), auto).decisions] == []  # 4 min
    session.commit()
    report = run_once(session, at(9, 7), auto)
    session.commit()
    assert [d.kind for d in report.decisions] == ["auto_booked"]
    booking = session.scalars(select(Booking).where(Booking.source == "auto")).one()
    assert (booking.starts_at, booking.ends_at, booking.organizer_id) == (at(9, 2), at(9, 32), None)
    made = occurrence(session, booking)
    assert (made.state, made.checked_in_at) == ("checked_in", at(9, 2))
    assert run_once(session, at(9, 8), auto).decisions == []  # booked once


def test_auto_booking_stops_at_the_next_booking_and_is_off_by_default(session: Session) -> None:
    book(session, at(9, 20), at(10))
    occupied_since(session, at(9, 2))
    assert look(session, at(9, 7)) == []  # POLICY: auto-booking off
    auto = CheckInPolicy(auto_book=True)
    assert [d.kind for d in run_once(session, at(9, 7), auto).decisions] == ["auto_booked"]
    booking = session.scalars(select(Booking).where(Booking.source == "auto")).one()
    assert booking.ends_at == at(9, 20)
