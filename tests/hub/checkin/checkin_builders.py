"""Bookings written straight into the database, for tests of check-in and release.

A name unique in the suite: the check-in and API tests put this folder on sys.path.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hub.db.models import Booking, BookingOccurrence, OccupancyChange


def add_booking(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    organizer: str | None,
    repeats: int = 1,
    space: tuple[str, str],
    created: datetime,
) -> Booking:
    """A booking (weekly when ``repeats`` > 1) with its occurrences materialized."""
    booking = Booking(
        id=str(uuid.uuid4()),
        space_kind=space[0],
        space_id=space[1],
        organizer_id=organizer,
        title="Planning",
        starts_at=start,
        ends_at=end,
        timezone="UTC",
        rrule=f"FREQ=WEEKLY;COUNT={repeats}" if repeats > 1 else None,
        exdates=[],
        external_attendees=[],
        source="api",
        created_at=created,
        updated_at=created,
        strikes=0,
    )
    session.add(booking)
    for week in range(repeats):
        shift = timedelta(weeks=week)
        session.add(
            BookingOccurrence(
                booking_id=booking.id,
                space_kind=space[0],
                space_id=space[1],
                starts_at=start + shift,
                ends_at=end + shift,
                state="booked",
            )
        )
    session.commit()
    return booking


_seqs = iter(range(1, 10**9))


def add_change(
    session: Session,
    ts: datetime,
    occupied: bool,
    *,
    room: str = "hq-f1-aurora",
    device: str = "term-hq-f1-aurora",
) -> None:
    """The room's terminal reports it occupied or empty from ``ts`` on (as ingest stores it)."""
    session.add(
        OccupancyChange(
            space_kind="room",
            space_id=room,
            occupied=occupied,
            ts=ts,
            device_id=device,
            boot="b1",
            seq=next(_seqs),
            initial=False,
            signals=["pir"],
        )
    )
    session.commit()
