"""Changing and cancelling bookings: the future is re-made, the past is kept."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.bookings.errors import BookingConflict, BookingError
from hub.bookings.service import (
    attendee_ids,
    cancel_booking,
    cancel_occurrence,
    create_booking,
    update_booking,
)
from hub.db.models import Booking, BookingDecision, BookingOccurrence

NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


def daily(session: Session, **kwargs: object) -> Booking:
    # Daily 09:00-10:00 Berlin from Monday 5 January (before NOW), ten days.
    values: dict[str, object] = {
        "space_kind": "room",
        "space_id": "hq-f1-aurora",
        "organizer_id": "alice",
        "title": "Stand-up",
        "starts_at": at("2026-01-05", "09:00"),
        "ends_at": at("2026-01-05", "10:00"),
        "rrule": "FREQ=DAILY;COUNT=10",
        "now": NOW - timedelta(days=2),
        **kwargs,
    }
    return create_booking(session, **values)  # type: ignore[arg-type]


def rows(session: Session, booking: Booking) -> list[BookingOccurrence]:
    return list(
        session.scalars(
            select(BookingOccurrence)
            .where(BookingOccurrence.booking_id == booking.id)
            .order_by(BookingOccurrence.starts_at)
        )
    )


def test_changing_the_time_remakes_only_future_occurrences(session: Session) -> None:
    booking = daily(session)
    before = rows(session, booking)
    assert len(before) == 10
    before[0].state = "ended"  # 5 January, held
    before[1].state = "released"  # 6 January 09:00, a no-show (before NOW, 13:00 Berlin)
    past_ids = {before[0].id, before[1].id}
    session.flush()

    update_booking(
        session,
        booking.id,
        actor="alice",
        now=NOW,
        starts_at=at("2026-01-05", "14:00"),
        ends_at=at("2026-01-05", "14:30"),
    )
    after = rows(session, booking)
    kept = [r for r in after if r.id in past_ids]
    assert [(r.state, r.starts_at.astimezone(BERLIN).hour) for r in kept] == [
        ("ended", 9),
        ("released", 9),
    ]
    future = [r for r in after if r.id not in past_ids]
    # 6 January 14:00 Berlin is after NOW (13:00), so the series now holds 6..14 January.
    assert [r.starts_at.astimezone(BERLIN).strftime("%d %H:%M") for r in future] == [
        f"{day:02d} 14:00" for day in range(6, 15)
    ]
    assert all(r.ends_at - r.starts_at == timedelta(minutes=30) for r in future)
    assert session.scalar(
        select(BookingDecision).where(
            BookingDecision.booking_id == booking.id, BookingDecision.kind == "updated"
        )
    )


def test_a_title_change_keeps_the_occurrences(session: Session) -> None:
    booking = daily(session, now=NOW)
    ids = [r.id for r in rows(session, booking)]
    update_booking(session, booking.id, actor="alice", now=NOW, title="Daily", attendees=["bob"])
    assert [r.id for r in rows(session, booking)] == ids
    assert booking.title == "Daily" and attendee_ids(session, booking.id) == ["bob"]


def test_a_conflicting_change_is_refused_and_changes_nothing(session: Session) -> None:
    booking = daily(session, now=NOW)
    other = create_booking(
        session,
        space_kind="room",
        space_id="hq-f1-aurora",
        organizer_id="bob",
        title="Other",
        starts_at=at("2026-01-09", "11:00"),
        ends_at=at("2026-01-09", "12:00"),
        now=NOW,
    )
    ids = [r.id for r in rows(session, booking)]
    with pytest.raises(BookingConflict, match=other.id):
        update_booking(
            session,
            booking.id,
            actor="alice",
            now=NOW,
            title="Moved",
            starts_at=at("2026-01-05", "11:30"),
        )
    assert booking.title == "Stand-up"
    assert booking.starts_at == at("2026-01-05", "09:00")
    assert [r.id for r in rows(session, booking)] == ids


def test_dropping_the_rule_makes_a_single_meeting(session: Session) -> None:
    booking = create_booking(
        session,
        space_kind="room",
        space_id="hq-f1-aurora",
        organizer_id="alice",
        title="Weekly",
        starts_at=at("2026-01-08", "09:00"),
        ends_at=at("2026-01-08", "10:00"),
        rrule="FREQ=WEEKLY",
        now=NOW,
    )
    assert len(rows(session, booking)) > 20
    update_booking(session, booking.id, actor="alice", now=NOW, rrule=None)
    assert len(rows(session, booking)) == 1


def test_cancelling_one_occurrence_excludes_it_from_the_series(session: Session) -> None:
    booking = daily(session, now=NOW)
    target = rows(session, booking)[3]
    cancel_occurrence(session, booking.id, target.id, actor="alice", now=NOW, reason="holiday")
    assert target.state == "cancelled"
    assert target.starts_at.isoformat() in booking.exdates
    assert booking.cancelled_at is None
    # Re-making the series (a title-and-time change) does not bring it back.
    update_booking(session, booking.id, actor="alice", now=NOW, ends_at=at("2026-01-05", "10:15"))
    states = {r.starts_at: r.state for r in rows(session, booking)}
    assert states[target.starts_at] == "cancelled"
    with pytest.raises(BookingError, match="cancelled"):
        cancel_occurrence(session, booking.id, target.id, actor="alice", now=NOW)


def test_started_occurrences_cannot_be_cancelled(session: Session) -> None:
    booking = daily(session)
    started = rows(session, booking)[1]  # 6 January 09:00 Berlin, before NOW
    with pytest.raises(BookingError, match="started") as raised:
        cancel_occurrence(session, booking.id, started.id, actor="alice", now=NOW)
    assert raised.value.status == 409


def test_cancelling_twice_is_a_409(session: Session) -> None:
    booking = daily(session, now=NOW)
    cancel_booking(session, booking.id, actor="alice", now=NOW)
    with pytest.raises(BookingError) as raised:
        cancel_booking(session, booking.id, actor="alice", now=NOW)
    assert raised.value.status == 409
    with pytest.raises(BookingError, match="cancelled"):
        update_booking(session, booking.id, actor="alice", now=NOW, title="x")


def test_the_hub_can_book_without_an_organizer(session: Session) -> None:
    # The check-in engine books a room it finds occupied: source "auto", no organizer.
    booking = create_booking(
        session,
        space_kind="room",
        space_id="hq-f1-borealis",
        organizer_id=None,
        title="",
        starts_at=NOW,
        ends_at=NOW + timedelta(minutes=30),
        source="auto",
        now=NOW,
    )
    assert booking.organizer_id is None and booking.source == "auto"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"space_id": "no-such-room"}, "unknown room"),
        ({"space_id": "hq-f2-east"}, "desk area"),
        ({"space_kind": "floor"}, "not bookable"),
        ({"attendees": ["alice", "nobody"]}, "unknown attendees: 'nobody'"),
        ({"organizer_id": "ghost"}, "unknown organizer"),
        ({"title": "x" * 301}, "longer than"),
    ],
)
def test_bad_input_is_refused(session: Session, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(BookingError, match=message):
        daily(session, now=NOW, **kwargs)
