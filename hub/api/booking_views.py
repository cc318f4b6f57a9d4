"""What a caller sees of bookings: rows read in bulk and turned into response models.

Shared by the booking routes (hub.api.bookings) and the day views of a room or desk
(hub.api.space_bookings): attendees and occurrences of many bookings read in one query
each, a booking with its details hidden from those who may only see a busy slot
(hub.bookings.access decides), and the time range a listing covers. Apart from the route
handlers because both sets of routes read bookings the same way.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.booking_models import BookingOut, OccurrenceOut
from hub.api.common import TIME_EXAMPLE, bad_input, parse_time
from hub.auth.roles import Principal
from hub.bookings import access
from hub.db.models import Booking, BookingAttendee, BookingOccurrence

#: Listing ranges are at most this long.
MAX_LIST_RANGE = timedelta(days=400)

StartQuery = Annotated[
    str | None,
    Query(
        description="ISO-8601 with offset.",
        examples=[TIME_EXAMPLE],
        json_schema_extra={"format": "date-time"},
    ),
]


def attendees_of(session: Session, ids: Iterable[str]) -> dict[str, list[str]]:
    wanted = list(ids)
    found: dict[str, list[str]] = {i: [] for i in wanted}
    if wanted:
        rows = session.execute(
            select(BookingAttendee.booking_id, BookingAttendee.user_id)
            .where(BookingAttendee.booking_id.in_(wanted))
            .order_by(BookingAttendee.user_id)
        )
        for booking_id, user in rows:
            found[booking_id].append(user)
    return found


def booking_out(
    session: Session,
    caller: Principal,
    booking: Booking,
    attendees: list[str],
    occurrences: list[BookingOccurrence],
) -> BookingOut:
    details = access.sees_details(session, caller, booking, attendees)
    return BookingOut(
        id=booking.id,
        space_kind=booking.space_kind,
        space_id=booking.space_id,
        details_visible=details,
        title=booking.title if details else None,
        organizer_id=booking.organizer_id if details else None,
        attendees=attendees if details else [],
        external_attendees=list(booking.external_attendees) if details else [],
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        timezone=booking.timezone,
        rrule=booking.rrule,
        exdates=list(booking.exdates),
        source=booking.source,
        ical_uid=booking.ical_uid if details else None,
        created_at=booking.created_at,
        updated_at=booking.updated_at,
        cancelled_at=booking.cancelled_at,
        cancel_reason=booking.cancel_reason if details else None,
        strikes=booking.strikes,
        flagged_at=booking.flagged_at,
        occurrences=[OccurrenceOut.of(o, details) for o in occurrences],
    )


def occurrences_of(
    session: Session,
    booking_ids: list[str],
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, list[BookingOccurrence]]:
    found: dict[str, list[BookingOccurrence]] = {i: [] for i in booking_ids}
    if not booking_ids:
        return found
    query = (
        select(BookingOccurrence)
        .where(BookingOccurrence.booking_id.in_(booking_ids))
        .order_by(BookingOccurrence.starts_at, BookingOccurrence.id)
    )
    if start is not None and end is not None:
        query = query.where(BookingOccurrence.ends_at > start, BookingOccurrence.starts_at < end)
    for row in session.scalars(query):
        found[row.booking_id].append(row)
    return found


def listing_range(
    start: str | None, end: str | None, now: datetime, default_span: timedelta, day_of: Any = None
) -> tuple[datetime, datetime]:
    start_at = parse_time(start, "start") if start is not None else None
    end_at = parse_time(end, "end") if end is not None else None
    if start_at is None:
        if end_at is not None:
            start_at = end_at - default_span
        elif day_of is not None:  # the local day that holds now
            local = now.astimezone(day_of)
            start_at = datetime.combine(local.date(), time(0), tzinfo=day_of).astimezone(UTC)
        else:
            start_at = now
    if end_at is None:
        end_at = start_at + default_span
    if start_at >= end_at:
        raise bad_input(f"start ({start_at.isoformat()}) must be before end ({end_at.isoformat()})")
    if end_at - start_at > MAX_LIST_RANGE:
        raise bad_input(f"the range is longer than {MAX_LIST_RANGE.days} days; ask for less")
    return start_at, end_at
