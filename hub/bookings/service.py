"""Creating, changing and cancelling bookings: the one place that writes them.

Used by the REST API, by voice commands ("book this room for thirty minutes") and by the
check-in engine (``source="auto"`` bookings of rooms found occupied). Functions flush but
never commit: the caller owns the transaction. Errors are :class:`BookingError` (422, or
409 for a wrong state) and :class:`BookingConflict` (409).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.bookings.conflicts import MAX_DURATION, check_free
from hub.bookings.errors import BookingError
from hub.bookings.series import (
    DEFAULT_HORIZON,
    Interval,
    check_no_self_overlap,
    materialize,
    occurrence_times,
    zone,
)
from hub.db.models import (
    Booking,
    BookingAttendee,
    BookingDecision,
    BookingOccurrence,
    Desk,
    Room,
    User,
)

SPACE_KINDS = ("room", "desk")
SOURCES = ("api", "ical", "voice", "display", "auto")
MAX_TITLE = 300
MAX_ATTENDEES = 200
MAX_EXTERNAL_LENGTH = 320


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "Not given" for :func:`update_booking` (None is a value there: e.g. no rrule).
UNSET: Any = _Unset()


def space_timezone(session: Session, space_kind: str, space_id: str, *, lock: bool = False) -> str:
    """The time zone of a room, or of a desk's room; BookingError if there is no such space.

    ``lock``: take a row lock on the space (PostgreSQL), so two bookings of one space are
    checked for conflicts one after the other, not side by side.
    """
    if space_kind not in SPACE_KINDS:
        raise BookingError(f"space_kind {space_kind!r} is not bookable: use room or desk")
    if space_kind == "room":
        query = select(Room).where(Room.id == space_id)
        room = session.scalar(query.with_for_update() if lock else query)
        if room is None:
            raise BookingError(f"unknown room {space_id!r}", status=404)
        if room.kind == "desk_area":
            raise BookingError(f"room {space_id!r} is a desk area: book one of its desks")
        return room.timezone
    desk_query = select(Desk).where(Desk.id == space_id)
    desk = session.scalar(desk_query.with_for_update() if lock else desk_query)
    if desk is None:
        raise BookingError(f"unknown desk {space_id!r}", status=404)
    room = session.get(Room, desk.room_id)
    assert room is not None  # a foreign key
    return room.timezone


def _check_times(starts_at: datetime, ends_at: datetime, now: datetime, horizon: timedelta) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise BookingError("starts_at and ends_at need a UTC offset")
    if ends_at <= starts_at:
        raise BookingError(
            f"ends_at ({ends_at.isoformat()}) must be after starts_at ({starts_at.isoformat()})"
        )
    if ends_at - starts_at > MAX_DURATION:
        raise BookingError(f"a booking may last at most {MAX_DURATION} per occurrence")
    if starts_at > now + horizon:
        raise BookingError(
            f"bookings open {horizon.days} days ahead: starts_at is later than "
            f"{(now + horizon).isoformat()}"
        )


def _check_users(session: Session, user_ids: Sequence[str], what: str) -> list[str]:
    wanted = list(dict.fromkeys(user_ids))
    if len(wanted) > MAX_ATTENDEES:
        raise BookingError(f"at most {MAX_ATTENDEES} {what}")
    found = set(session.scalars(select(User.id).where(User.id.in_(wanted)))) if wanted else set()
    missing = [uid for uid in wanted if uid not in found]
    if missing:
        raise BookingError(f"unknown {what}: {', '.join(repr(m) for m in missing)}")
    return wanted


def _check_external(values: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(cleaned) > MAX_ATTENDEES:
        raise BookingError(f"at most {MAX_ATTENDEES} external attendees")
    for value in cleaned:
        if len(value) > MAX_EXTERNAL_LENGTH:
            raise BookingError(f"an external attendee is longer than {MAX_EXTERNAL_LENGTH} chars")
    return cleaned


def _check_title(title: str) -> str:
    cleaned = title.strip()
    if len(cleaned) > MAX_TITLE:
        raise BookingError(f"title is longer than {MAX_TITLE} characters")
    return cleaned


def _future_times(booking: Booking, now: datetime, horizon: timedelta) -> list[Interval]:
    """Occurrences from now to the horizon, checked for sense; at least one."""
    times = occurrence_times(booking, since=now, until=now + horizon)
    check_no_self_overlap(times)
    if not times:
        raise BookingError(
            "no occurrence of this booking ends after now (or before the horizon): nothing to book"
        )
    return times


def _decide(
    session: Session,
    booking: Booking,
    *,
    kind: str,
    actor: str,
    now: datetime,
    explanation: str,
    occurrence_id: int | None = None,
    effective_at: datetime | None = None,
) -> None:
    session.add(
        BookingDecision(
            booking_id=booking.id,
            occurrence_id=occurrence_id,
            decided_at=now,
            effective_at=effective_at or now,
            kind=kind,
            actor=actor,
            explanation=explanation,
            evidence=[],
        )
    )


def create_booking(
    session: Session,
    *,
    space_kind: str,
    space_id: str,
    organizer_id: str | None,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    timezone: str | None = None,
    rrule: str | None = None,
    exdates: Sequence[datetime] = (),
    attendees: Sequence[str] = (),
    external_attendees: Sequence[str] = (),
    source: str = "api",
    ical_uid: str | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> Booking:
    """Book a space (a single meeting, or a series with ``rrule``) and its occurrences.

    ``timezone`` defaults to the room's (a desk uses its room's); ``organizer_id`` None
    only for bookings the hub makes itself.
    """
    if source not in SOURCES:
        raise BookingError(f"unknown source {source!r}")
    tz_name = space_timezone(session, space_kind, space_id, lock=True)
    tz_name = timezone or tz_name
    zone(tz_name)
    _check_times(starts_at, ends_at, now, horizon)
    if organizer_id is not None:
        _check_users(session, [organizer_id], "organizer")
    attendee_ids = _check_users(session, attendees, "attendees")
    booking = Booking(
        id=str(uuid.uuid4()),
        space_kind=space_kind,
        space_id=space_id,
        organizer_id=organizer_id,
        title=_check_title(title),
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at.astimezone(UTC),
        timezone=tz_name,
        rrule=rrule.strip() if rrule else None,
        exdates=sorted({d.astimezone(UTC).isoformat() for d in exdates}),
        external_attendees=_check_external(external_attendees),
        source=source,
        ical_uid=ical_uid,
        created_at=now,
        updated_at=now,
        cancelled_at=None,
        cancel_reason=None,
        strikes=0,
        flagged_at=None,
    )
    times = _future_times(booking, now, horizon)
    check_free(session, space_kind, space_id, times)
    session.add(booking)
    session.flush()
    session.add_all(BookingAttendee(booking_id=booking.id, user_id=uid) for uid in attendee_ids)
    materialize(session, booking, times)
    _decide(
        session,
        booking,
        kind="created",
        actor=organizer_id or "hub",
        now=now,
        explanation=f"booked {space_kind} {space_id} ({len(times)} occurrence(s) materialized)",
    )
    session.flush()
    return booking


def get_booking(session: Session, booking_id: str) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise BookingError(f"booking {booking_id!r} not found", status=404)
    return booking


def attendee_ids(session: Session, booking_id: str) -> list[str]:
    return list(
        session.scalars(
            select(BookingAttendee.user_id)
            .where(BookingAttendee.booking_id == booking_id)
            .order_by(BookingAttendee.user_id)
        )
    )


def update_booking(
    session: Session,
    booking_id: str,
    *,
    actor: str,
    now: datetime,
    title: Any = UNSET,
    starts_at: Any = UNSET,
    ends_at: Any = UNSET,
    timezone: Any = UNSET,
    rrule: Any = UNSET,
    exdates: Any = UNSET,
    attendees: Any = UNSET,
    external_attendees: Any = UNSET,
    horizon: timedelta = DEFAULT_HORIZON,
) -> Booking:
    """Change what is given. A change of time, zone, rule or exdates re-materializes the
    *future* occurrences that are still ``booked``; past, running, checked-in, released
    and cancelled ones are history and stay as they are."""
    booking = get_booking(session, booking_id)
    if booking.cancelled_at is not None:
        raise BookingError(f"booking {booking_id!r} is cancelled and cannot be changed", 409)
    given = (title, starts_at, ends_at, timezone, rrule, exdates, attendees, external_attendees)
    if all(value is UNSET for value in given):
        return booking  # nothing to change, nothing to record
    space_timezone(session, booking.space_kind, booking.space_id, lock=True)
    # Everything is checked before anything changes, so a refused update leaves no trace.
    new_title = _check_title(title) if title is not UNSET else UNSET
    wanted = _check_users(session, attendees, "attendees") if attendees is not UNSET else UNSET
    external = _check_external(external_attendees) if external_attendees is not UNSET else UNSET
    timing = (starts_at, ends_at, timezone, rrule, exdates)
    if any(value is not UNSET for value in timing):
        new_start = booking.starts_at if starts_at is UNSET else starts_at
        new_end = booking.ends_at if ends_at is UNSET else ends_at
        if starts_at is not UNSET and ends_at is UNSET:
            new_end = new_start + (booking.ends_at - booking.starts_at)  # keep the length
        _check_times(new_start, new_end, now, horizon)
        new_zone = zone(timezone).key if timezone not in (UNSET, None) else booking.timezone
        old = (booking.starts_at, booking.ends_at, booking.timezone, booking.rrule, booking.exdates)
        booking.starts_at, booking.ends_at = new_start.astimezone(UTC), new_end.astimezone(UTC)
        booking.timezone = new_zone
        if rrule is not UNSET:
            booking.rrule = rrule.strip() if rrule else None
        if exdates is not UNSET:
            booking.exdates = sorted({d.astimezone(UTC).isoformat() for d in exdates})
        try:
            _rematerialize(session, booking, now, horizon)
        except BookingError:
            (
                booking.starts_at,
                booking.ends_at,
                booking.timezone,
                booking.rrule,
                booking.exdates,
            ) = old
            raise
    if new_title is not UNSET:
        booking.title = new_title
    if wanted is not UNSET:
        session.execute(delete(BookingAttendee).where(BookingAttendee.booking_id == booking.id))
        session.add_all(BookingAttendee(booking_id=booking.id, user_id=uid) for uid in wanted)
    if external is not UNSET:
        booking.external_attendees = external
    booking.updated_at = now
    _decide(session, booking, kind="updated", actor=actor, now=now, explanation="booking changed")
    session.flush()
    return booking


def _rematerialize(session: Session, booking: Booking, now: datetime, horizon: timedelta) -> None:
    rows = list(
        session.scalars(select(BookingOccurrence).where(BookingOccurrence.booking_id == booking.id))
    )
    kept = [r for r in rows if r.starts_at < now or r.state != "booked"]
    kept_starts = {r.starts_at for r in kept}
    times = [
        (start, end)
        for start, end in occurrence_times(booking, since=now, until=now + horizon)
        if start >= now and start not in kept_starts
    ]
    check_no_self_overlap(
        times
        + [
            (r.starts_at, r.ends_at)
            for r in kept
            if r.ends_at > now and r.state in ("booked", "checked_in")
        ]
    )
    if not times and not any(r.ends_at > now and r.state != "cancelled" for r in kept):
        raise BookingError("after this change no occurrence is left in the future")
    check_free(session, booking.space_kind, booking.space_id, times, exclude_booking_id=booking.id)
    for row in rows:
        if row not in kept:
            session.delete(row)
    session.flush()
    materialize(session, booking, times)


def cancel_booking(
    session: Session, booking_id: str, *, actor: str, now: datetime, reason: str = ""
) -> Booking:
    """Cancel a booking: its occurrences that have not started are cancelled.

    A running occurrence is left to the check-in engine (it ends or is released there).
    """
    booking = get_booking(session, booking_id)
    if booking.cancelled_at is not None:
        raise BookingError(f"booking {booking_id!r} is already cancelled", status=409)
    future = session.scalars(
        select(BookingOccurrence).where(
            BookingOccurrence.booking_id == booking.id,
            BookingOccurrence.starts_at >= now,
            BookingOccurrence.state == "booked",
        )
    )
    count = 0
    for row in future:
        row.state = "cancelled"
        count += 1
    booking.cancelled_at = now
    booking.cancel_reason = reason[:300] or None
    booking.updated_at = now
    _decide(
        session,
        booking,
        kind="cancelled",
        actor=actor,
        now=now,
        explanation=f"cancelled by {actor}; {count} future occurrence(s) freed"
        + (f": {reason[:200]}" if reason else ""),
    )
    session.flush()
    return booking


def cancel_occurrence(
    session: Session,
    booking_id: str,
    occurrence_id: int,
    *,
    actor: str,
    now: datetime,
    reason: str = "",
) -> BookingOccurrence:
    """Cancel one occurrence that has not started; it becomes an exdate of the series.

    Cancelling the only occurrence of a single booking cancels the booking.
    """
    booking = get_booking(session, booking_id)
    row = session.get(BookingOccurrence, occurrence_id)
    if row is None or row.booking_id != booking.id:
        raise BookingError(
            f"occurrence {occurrence_id} of booking {booking_id!r} not found", status=404
        )
    if row.state != "booked" or row.starts_at < now:
        raise BookingError(
            f"occurrence {occurrence_id} is {row.state} and "
            + ("has started" if row.starts_at < now else "not booked")
            + ": only a booked occurrence that has not started can be cancelled",
            status=409,
        )
    row.state = "cancelled"
    booking.exdates = sorted({*booking.exdates, row.starts_at.astimezone(UTC).isoformat()})
    booking.updated_at = now
    _decide(
        session,
        booking,
        kind="occurrence_cancelled",
        actor=actor,
        now=now,
        occurrence_id=row.id,
        effective_at=row.starts_at,
        explanation=f"occurrence at {row.starts_at.isoformat()} cancelled by {actor}"
        + (f": {reason[:200]}" if reason else ""),
    )
    if not booking.rrule:
        booking.cancelled_at = now
        booking.cancel_reason = reason[:300] or None
    session.flush()
    return row
