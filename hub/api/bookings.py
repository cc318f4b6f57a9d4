"""Bookings of rooms and desks: the /bookings routes (book, list, read, change, cancel).

Members, facilities and admins book the spaces they may see for bookings (their
department's plus shared rooms; admins all). Everyone who may see a space sees when it is
booked; titles, organizer and attendees only admins, facilities and display accounts in
scope, and the organizer and attendees (others see busy slots). The organizer, facilities
in scope and admins change and cancel. Check-in and release are the check-in engine's;
here their fields are read-only. The logic is in hub.bookings; this module maps it to HTTP.
Request and response bodies: hub.api.booking_models; reading bookings for a caller:
hub.api.booking_views; a room's or desk's day view: hub.api.space_bookings; iCalendar
import and calendar feeds: hub.api.calendars.

The ICS feed (``GET /calendar/{token}.ics``) lives outside /api/v1: calendar programs
cannot send a bearer token, so the secret token in its URL is the permission.
"""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hub.api.booking_models import BookingCreate, BookingOut, BookingPatch, OccurrenceOut
from hub.api.booking_views import (
    StartQuery,
    attendees_of,
    booking_out,
    listing_range,
    occurrences_of,
)
from hub.api.common import MAX_ROW_ID, Limit, Offset, bad_input, not_found
from hub.api.errors import BAD_BODY, NOT_FOUND, ErrorOut
from hub.auth.dependencies import require_roles
from hub.auth.roles import Principal, Role
from hub.bookings import access
from hub.bookings.errors import BookingError
from hub.bookings.service import (
    UNSET,
    attendee_ids,
    cancel_booking,
    cancel_occurrence,
    create_booking,
    update_booking,
)
from hub.db.models import Booking, BookingAttendee, BookingOccurrence
from hub.state import ClockDep, SessionDep

router = APIRouter(tags=["bookings"])

Booker = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.FACILITIES, Role.MEMBER))]
StaffCaller = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.FACILITIES))]

BookingIdPath = Annotated[str, Path(max_length=64, description="A booking id (UUID).")]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

BOOKING_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorOut,
        "description": "The space is already booked then (`detail` names the booking and "
        "time), or the booking is in a state that does not allow this.",
    }
}


def booking_http_error(error: BookingError) -> HTTPException:
    return HTTPException(error.status, detail=str(error))


def _space_not_found(kind: str, space_id: str) -> HTTPException:
    return not_found(kind, space_id)


def _visible_booking(session: Session, caller: Principal, booking_id: str) -> Booking:
    booking = session.scalar(
        select(Booking).where(Booking.id == booking_id, access.visible_booking_clause(caller))
    )
    if booking is None:
        raise not_found("booking", booking_id)
    return booking


def _full_out(session: Session, caller: Principal, booking: Booking) -> BookingOut:
    occurrences = occurrences_of(session, [booking.id])[booking.id]
    return booking_out(session, caller, booking, attendee_ids(session, booking.id), occurrences)


def _manageable(session: Session, caller: Principal, booking_id: str) -> Booking:
    booking = _visible_booking(session, caller, booking_id)
    if not access.can_manage(session, caller, booking):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="only the organizer, facilities staff of the space and admins may change "
            "this booking",
        )
    return booking


@router.post(
    "/bookings",
    status_code=status.HTTP_201_CREATED,
    summary="Book a room or desk (one meeting or a series)",
    responses={**NOT_FOUND, **BOOKING_CONFLICT, **BAD_BODY},
)
def add_booking(
    caller: Booker, body: BookingCreate, session: SessionDep, clock: ClockDep
) -> BookingOut:
    if not access.can_book(session, caller, body.space_kind, body.space_id):
        raise _space_not_found(body.space_kind, body.space_id)
    organizer = caller.user_id
    if body.organizer_id is not None and body.organizer_id != caller.user_id:
        if not caller.is_admin:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, detail="only admins may book for someone else"
            )
        organizer = body.organizer_id
    try:
        booking = create_booking(
            session,
            space_kind=body.space_kind,
            space_id=body.space_id,
            organizer_id=organizer,
            title=body.title,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            timezone=body.timezone,
            rrule=body.rrule,
            exdates=body.exdates,
            attendees=body.attendees,
            external_attendees=body.external_attendees,
            source="api",
            now=clock.now(),
        )
    except BookingError as error:
        raise booking_http_error(error) from None
    session.commit()
    return _full_out(session, caller, booking)


@router.get("/bookings", summary="Bookings you may see with occurrences in a range")
def list_bookings(
    caller: Booker,
    session: SessionDep,
    clock: ClockDep,
    start: StartQuery = None,
    end: StartQuery = None,
    room_id: Annotated[str | None, Query(max_length=63)] = None,
    desk_id: Annotated[str | None, Query(max_length=63)] = None,
    organizer_id: Annotated[str | None, Query(max_length=63)] = None,
    mine: Annotated[bool, Query(description="Only bookings you organize or attend.")] = False,
    include_cancelled: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[BookingOut]:
    """Default range: from now, 30 days. Occurrences are those within the range."""
    start_at, end_at = listing_range(start, end, clock.now(), timedelta(days=30))
    in_range = exists().where(
        BookingOccurrence.booking_id == Booking.id,
        BookingOccurrence.ends_at > start_at,
        BookingOccurrence.starts_at < end_at,
    )
    query = (
        select(Booking)
        .where(access.visible_booking_clause(caller), in_range)
        .order_by(Booking.starts_at, Booking.id)
    )
    if room_id is not None:
        query = query.where(Booking.space_kind == "room", Booking.space_id == room_id)
    if desk_id is not None:
        query = query.where(Booking.space_kind == "desk", Booking.space_id == desk_id)
    if organizer_id is not None:
        query = query.where(Booking.organizer_id == organizer_id)
    if mine:
        attending = exists().where(
            BookingAttendee.booking_id == Booking.id, BookingAttendee.user_id == caller.user_id
        )
        query = query.where((Booking.organizer_id == caller.user_id) | attending)
    if not include_cancelled:
        query = query.where(Booking.cancelled_at.is_(None))
    bookings = list(session.scalars(query.limit(limit).offset(offset)))
    ids = [b.id for b in bookings]
    attendees = attendees_of(session, ids)
    occurrences = occurrences_of(session, ids, start_at, end_at)
    views = [booking_out(session, caller, b, attendees[b.id], occurrences[b.id]) for b in bookings]
    if organizer_id is not None:  # do not confirm a hidden organizer by filtering on it
        views = [v for v in views if v.details_visible]
    return views


@router.get("/bookings/{booking_id}", summary="One booking", responses=NOT_FOUND)
def get_booking(caller: Booker, booking_id: BookingIdPath, session: SessionDep) -> BookingOut:
    return _full_out(session, caller, _visible_booking(session, caller, booking_id))


@router.patch(
    "/bookings/{booking_id}",
    summary="Change a booking (future occurrences are re-made)",
    responses={**NOT_FOUND, **BOOKING_CONFLICT, **BAD_BODY},
)
def patch_booking(
    caller: Booker,
    booking_id: BookingIdPath,
    body: BookingPatch,
    session: SessionDep,
    clock: ClockDep,
) -> BookingOut:
    booking = _manageable(session, caller, booking_id)
    sent = body.model_fields_set
    for name in ("title", "starts_at", "ends_at", "exdates", "attendees", "external_attendees"):
        if name in sent and getattr(body, name) is None:
            raise bad_input(f"{name} cannot be null")
    changes = {
        name: getattr(body, name) if name in sent else UNSET for name in type(body).model_fields
    }
    try:
        update_booking(session, booking.id, actor=caller.user_id, now=clock.now(), **changes)
    except BookingError as error:
        raise booking_http_error(error) from None
    session.commit()
    return _full_out(session, caller, booking)


@router.delete(
    "/bookings/{booking_id}",
    summary="Cancel a booking (its occurrences that have not started)",
    responses={**NOT_FOUND, **BOOKING_CONFLICT},
)
def delete_booking(
    caller: Booker,
    booking_id: BookingIdPath,
    session: SessionDep,
    clock: ClockDep,
    reason: Annotated[str, Query(max_length=300)] = "",
) -> BookingOut:
    booking = _manageable(session, caller, booking_id)
    try:
        cancel_booking(session, booking.id, actor=caller.user_id, now=clock.now(), reason=reason)
    except BookingError as error:
        raise booking_http_error(error) from None
    session.commit()
    return _full_out(session, caller, booking)


@router.get(
    "/bookings/{booking_id}/occurrences",
    summary="Occurrences of a booking, with check-in and release",
    responses=NOT_FOUND,
)
def booking_occurrences(
    caller: Booker,
    booking_id: BookingIdPath,
    session: SessionDep,
) -> list[OccurrenceOut]:
    booking = _visible_booking(session, caller, booking_id)
    rows = occurrences_of(session, [booking.id])[booking.id]
    attendees = attendees_of(session, [booking.id])[booking.id]
    details = access.sees_details(session, caller, booking, attendees)
    return [OccurrenceOut.of(row, details) for row in rows]


@router.delete(
    "/bookings/{booking_id}/occurrences/{occurrence_id}",
    summary="Cancel one occurrence that has not started",
    responses={**NOT_FOUND, **BOOKING_CONFLICT},
)
def delete_occurrence(
    caller: Booker,
    booking_id: BookingIdPath,
    occurrence_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    reason: Annotated[str, Query(max_length=300)] = "",
) -> OccurrenceOut:
    booking = _manageable(session, caller, booking_id)
    try:
        row = cancel_occurrence(
            session, booking.id, occurrence_id, actor=caller.user_id, now=clock.now(), reason=reason
        )
    except BookingError as error:
        raise booking_http_error(error) from None
    session.commit()
    return OccurrenceOut.model_validate(row)
