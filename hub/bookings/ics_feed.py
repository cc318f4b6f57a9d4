"""A space's bookings as an ICS calendar feed, read with a secret token in the URL.

Calendar programs cannot send bearer tokens, so the feed URL carries its own token:
random, shown once, stored only as its SHA-256 hash (like API tokens). Whoever has the
URL sees the titles of the space's bookings (the token is the permission), but no
attendees. Occurrences are exported one VEVENT each, with a UID built from the booking
and the occurrence's start, so it stays the same when the series is re-materialized.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.tokens import MAX_TOKEN_LENGTH, hash_token, new_token
from hub.bookings.series import DEFAULT_HORIZON
from hub.db.models import Booking, BookingOccurrence, CalendarFeed, User

#: How far back the feed reaches.
FEED_PAST = timedelta(days=30)
_STATUS = {
    "booked": "CONFIRMED",
    "checked_in": "CONFIRMED",
    "ended": "CONFIRMED",
    "released": "CANCELLED",
    "cancelled": "CANCELLED",
}


@dataclass(frozen=True)
class IssuedFeed:
    row: CalendarFeed
    token: str  # the only time the plain token exists outside the caller's hands


def issue_feed(
    session: Session, *, space_kind: str, space_id: str, created_by: str, now: datetime
) -> IssuedFeed:
    token = new_token()
    row = CalendarFeed(
        space_kind=space_kind,
        space_id=space_id,
        token_hash=hash_token(token),
        created_by=created_by,
        created_at=now,
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    return IssuedFeed(row=row, token=token)


def feed_for_token(session: Session, token: str) -> CalendarFeed | None:
    """The live feed behind ``token``; None for an unknown or revoked one, or one whose
    creator is no longer active (deactivating a user also revokes their feeds)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = session.scalar(
        select(CalendarFeed)
        .join(User, User.id == CalendarFeed.created_by)
        .where(CalendarFeed.token_hash == hash_token(token), User.active.is_(True))
    )
    return row if row is not None and row.revoked_at is None else None


def occurrence_uid(booking_id: str, starts_at: datetime) -> str:
    return f"{booking_id}-{starts_at:%Y%m%dT%H%M%SZ}@quorum"


def render_feed(
    session: Session,
    space_kind: str,
    space_id: str,
    now: datetime,
    *,
    name: str | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> bytes:
    """The ICS text of the space's occurrences from 30 days ago to the horizon."""
    calendar = Calendar()
    calendar.add("prodid", "-//Quorum//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name or f"{space_kind} {space_id}")
    rows = session.execute(
        select(BookingOccurrence, Booking.title)
        .join(Booking, Booking.id == BookingOccurrence.booking_id)
        .where(
            BookingOccurrence.space_kind == space_kind,
            BookingOccurrence.space_id == space_id,
            BookingOccurrence.ends_at > now - FEED_PAST,
            BookingOccurrence.starts_at < now + horizon,
        )
        .order_by(BookingOccurrence.starts_at, BookingOccurrence.id)
    )
    for occurrence, title in rows:
        event = Event()
        event.add("uid", occurrence_uid(occurrence.booking_id, occurrence.starts_at))
        event.add("dtstamp", now)
        event.add("dtstart", occurrence.starts_at)
        event.add("dtend", occurrence.ends_at)
        event.add("summary", title or "Booked")
        event.add("status", _STATUS.get(occurrence.state, "CONFIRMED"))
        event.add("x-quorum-state", occurrence.state)
        calendar.add_component(event)
    return calendar.to_ical()
