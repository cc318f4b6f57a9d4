"""Auto-booking (optional, ``QUORUM_CHECKIN_AUTO_BOOK``): people in an unbooked room get
a booking, so the calendar shows the room is taken and analytics count the meeting.

A meeting room seen occupied for ``auto_book_after`` (event time, from the live state's
``since``) with no booking under way is booked from the moment people came, for
``auto_book_length``, or until the next booking starts if that is sooner (at least
10 minutes, else nothing is booked). The booking has no organizer (``source: auto``),
is checked in by occupancy, and is released like any other once the room is empty for
the abandon time.
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from hub.bookings.errors import BookingError
from hub.bookings.service import create_booking
from hub.checkin.policy import CheckInPolicy
from hub.checkin.rules import BOOKED, CHECKED_IN, OCCUPANCY
from hub.db.models import BookingDecision, BookingOccurrence, Room, SpaceState

MIN_LENGTH = timedelta(minutes=10)


def auto_book(session: Session, now: datetime, policy: CheckInPolicy) -> list[BookingDecision]:
    occupied_since = now - policy.auto_book_after
    rows = session.execute(
        select(SpaceState.space_id, SpaceState.since)
        .join(Room, and_(SpaceState.space_kind == "room", Room.id == SpaceState.space_id))
        .where(
            Room.kind == "meeting_room",
            SpaceState.occupied.is_(True),
            SpaceState.since <= occupied_since,
        )
        .order_by(SpaceState.space_id)
    ).all()
    decisions = []
    for room_id, since in rows:
        decision = _book(session, room_id, since, now, policy)
        if decision is not None:
            decisions.append(decision)
    return decisions


def _book(
    session: Session, room_id: str, since: datetime, now: datetime, policy: CheckInPolicy
) -> BookingDecision | None:
    active = (BookingOccurrence.space_kind == "room") & (BookingOccurrence.space_id == room_id)
    active &= BookingOccurrence.state.in_((BOOKED, CHECKED_IN))
    under_way = session.scalar(
        select(BookingOccurrence.id).where(
            active, BookingOccurrence.starts_at <= now, BookingOccurrence.ends_at > now
        )
    )
    if under_way is not None:
        return None
    # A room taken by an earlier auto-booking that ended stays with its people: book from now.
    start = max(since, _last_end(session, room_id, now) or since)
    end = start + policy.auto_book_length
    next_start = session.scalar(
        select(BookingOccurrence.starts_at)
        .where(active, BookingOccurrence.starts_at > now)
        .order_by(BookingOccurrence.starts_at)
        .limit(1)
    )
    if next_start is not None:
        end = min(end, next_start)
    if end - now < MIN_LENGTH:
        return None
    try:
        with session.begin_nested():
            booking = create_booking(
                session,
                space_kind="room",
                space_id=room_id,
                organizer_id=None,
                title="Ad hoc meeting (booked by the hub: people were in the room)",
                starts_at=start,
                ends_at=end,
                now=now,
                source="auto",
            )
    except BookingError:
        return None  # taken meanwhile, or a time the booking rules refuse: try next tick
    occurrence = session.scalars(
        select(BookingOccurrence).where(BookingOccurrence.booking_id == booking.id)
    ).one()
    occurrence.state, occurrence.checked_in_at = CHECKED_IN, since
    occurrence.check_in_method = OCCUPANCY
    decision = BookingDecision(
        booking_id=booking.id,
        occurrence_id=occurrence.id,
        decided_at=now,
        effective_at=start,
        kind="auto_booked",
        actor="hub",
        explanation=(
            f"booked by the hub: the room has been occupied since "
            f"{since.strftime('%H:%M:%S UTC')} without a booking"
        ),
        evidence=[
            {"at": since.isoformat(), "what": "space seen occupied", "until": now.isoformat()}
        ],
    )
    session.add(decision)
    return decision


def _last_end(session: Session, room_id: str, now: datetime) -> datetime | None:
    return session.scalar(
        select(BookingOccurrence.ends_at)
        .where(
            BookingOccurrence.space_kind == "room",
            BookingOccurrence.space_id == room_id,
            BookingOccurrence.ends_at <= now,
        )
        .order_by(BookingOccurrence.ends_at.desc())
        .limit(1)
    )
