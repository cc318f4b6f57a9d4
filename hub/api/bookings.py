"""Bookings of rooms and desks (iCalendar import and calendar feeds: hub.api.calendars).

Members, facilities and admins book the spaces they may see for bookings (their
department's plus shared rooms; admins all). Everyone who may see a space sees when it is
booked; titles, organizer and attendees only admins, facilities and display accounts in
scope, and the organizer and attendees (others see busy slots). The organizer, facilities
in scope and admins change and cancel. Check-in and release are the check-in engine's;
here their fields are read-only. The logic is in hub.bookings; this module maps it to HTTP.

The ICS feed (``GET /calendar/{token}.ics``) lives outside /api/v1: calendar programs
cannot send a bearer token, so the secret token in its URL is the permission.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hub.api.common import (
    EARLIEST,
    LATEST,
    MAX_ROW_ID,
    TIME_EXAMPLE,
    Limit,
    Offset,
    UtcTime,
    bad_input,
    not_found,
    parse_time,
)
from hub.api.errors import BAD_BODY, NOT_FOUND, ErrorOut
from hub.auth.dependencies import require_roles
from hub.auth.roles import Principal, Role
from hub.auth.scope import visible_desk, visible_room
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
from hub.db.models import Booking, BookingAttendee, BookingOccurrence, Desk, Room
from hub.state import ClockDep, SessionDep

router = APIRouter(tags=["bookings"])

Booker = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.FACILITIES, Role.MEMBER))]
Viewer = Annotated[
    Principal, Depends(require_roles(Role.ADMIN, Role.FACILITIES, Role.MEMBER, Role.DISPLAY))
]
StaffCaller = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.FACILITIES))]

BookingIdPath = Annotated[str, Path(max_length=64, description="A booking id (UUID).")]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
SpaceKind = Literal["room", "desk"]
#: Listing ranges are at most this long.
MAX_LIST_RANGE = timedelta(days=400)

BOOKING_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorOut,
        "description": "The space is already booked then (`detail` names the booking and "
        "time), or the booking is in a state that does not allow this.",
    }
}


def _in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range: use a time from 1970 to 2199") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("out of range: use a time from 1970 to 2199")
    return utc


Moment = Annotated[AwareDatetime, AfterValidator(_in_range), Field(examples=[TIME_EXAMPLE])]
UserId = Annotated[str, Field(min_length=1, max_length=63)]
External = Annotated[str, Field(min_length=1, max_length=320)]


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    space_kind: SpaceKind
    space_id: str = Field(min_length=1, max_length=63, examples=["hq-f1-aurora"])
    title: str = Field(default="", max_length=300, examples=["Sprint planning"])
    starts_at: Moment
    ends_at: Moment
    timezone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA zone a series is expanded in; default: the room's.",
        examples=["Europe/Berlin"],
    )
    rrule: str | None = Field(
        default=None,
        max_length=500,
        description="RFC 5545 RRULE value; DAILY, WEEKLY, MONTHLY or YEARLY.",
        examples=["FREQ=WEEKLY;BYDAY=MO;COUNT=10"],
    )
    exdates: list[Moment] = Field(default_factory=list, max_length=500)
    attendees: list[UserId] = Field(default_factory=list, max_length=200)
    external_attendees: list[External] = Field(default_factory=list, max_length=200)
    organizer_id: UserId | None = Field(
        default=None, description="Admins only: book for someone else. Default: you."
    )


class BookingPatch(BaseModel):
    """Only the fields sent are changed; ``rrule: null`` turns a series into one meeting."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=300)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    timezone: str | None = Field(default=None, max_length=64)
    rrule: str | None = Field(default=None, max_length=500)
    exdates: list[Moment] | None = Field(default=None, max_length=500)
    attendees: list[UserId] | None = Field(default=None, max_length=200)
    external_attendees: list[External] | None = Field(default=None, max_length=200)


class OccurrenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    booking_id: str
    starts_at: UtcTime
    ends_at: UtcTime
    state: str = Field(description="booked | checked_in | released | cancelled | ended")
    checked_in_at: UtcTime | None
    check_in_method: str | None
    released_at: UtcTime | None
    release_reason: str | None
    peak_people: int | None


class BookingOut(BaseModel):
    id: str
    space_kind: str
    space_id: str
    details_visible: bool = Field(
        description="False: you see a busy slot; title, organizer and attendees are hidden."
    )
    title: str | None
    organizer_id: str | None
    attendees: list[str]
    external_attendees: list[str]
    starts_at: UtcTime = Field(description="The first occurrence.")
    ends_at: UtcTime
    timezone: str
    rrule: str | None
    exdates: list[str]
    source: str
    ical_uid: str | None
    created_at: UtcTime
    updated_at: UtcTime
    cancelled_at: UtcTime | None
    cancel_reason: str | None
    strikes: int
    flagged_at: UtcTime | None
    occurrences: list[OccurrenceOut]


class SlotOut(OccurrenceOut):
    """An occurrence in a space's day view, with what you may see of its booking."""

    details_visible: bool
    title: str | None
    organizer_id: str | None


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


def _attendees_of(session: Session, ids: Iterable[str]) -> dict[str, list[str]]:
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


def _booking_out(
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
        occurrences=[OccurrenceOut.model_validate(o) for o in occurrences],
    )


def _occurrences(
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


def _full_out(session: Session, caller: Principal, booking: Booking) -> BookingOut:
    occurrences = _occurrences(session, [booking.id])[booking.id]
    return _booking_out(session, caller, booking, attendee_ids(session, booking.id), occurrences)


def _range(
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


StartQuery = Annotated[
    str | None,
    Query(
        description="ISO-8601 with offset.",
        examples=[TIME_EXAMPLE],
        json_schema_extra={"format": "date-time"},
    ),
]


def _manageable(session: Session, caller: Principal, booking_id: str) -> Booking:
    booking = _visible_booking(session, caller, booking_id)
    if not access.can_manage(session, caller, booking):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="only the organizer, facilities staff of the space and admins may change "
            "this booking",
        )
    return booking


# -- bookings -----------------------------------------------------------------------------


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
    start_at, end_at = _range(start, end, clock.now(), timedelta(days=30))
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
    attendees = _attendees_of(session, ids)
    occurrences = _occurrences(session, ids, start_at, end_at)
    views = [_booking_out(session, caller, b, attendees[b.id], occurrences[b.id]) for b in bookings]
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
    rows = _occurrences(session, [booking.id])[booking.id]
    return [OccurrenceOut.model_validate(row) for row in rows]


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


# -- day views for door displays -----------------------------------------------------------


def _slots(
    session: Session,
    caller: Principal,
    space_kind: str,
    space_id: str,
    start_at: datetime,
    end_at: datetime,
    include_cancelled: bool,
) -> list[SlotOut]:
    query = (
        select(BookingOccurrence, Booking)
        .join(Booking, Booking.id == BookingOccurrence.booking_id)
        .where(
            BookingOccurrence.space_kind == space_kind,
            BookingOccurrence.space_id == space_id,
            BookingOccurrence.ends_at > start_at,
            BookingOccurrence.starts_at < end_at,
        )
        .order_by(BookingOccurrence.starts_at, BookingOccurrence.id)
    )
    if not include_cancelled:
        query = query.where(BookingOccurrence.state != "cancelled")
    rows = [(occurrence, booking) for occurrence, booking in session.execute(query)]
    attendees = _attendees_of(session, {booking.id for _, booking in rows})
    slots = []
    for occurrence, booking in rows:
        details = access.sees_details(session, caller, booking, attendees[booking.id])
        slots.append(
            SlotOut(
                **OccurrenceOut.model_validate(occurrence).model_dump(),
                details_visible=details,
                title=booking.title if details else None,
                organizer_id=booking.organizer_id if details else None,
            )
        )
    return slots


@router.get(
    "/rooms/{room_id}/bookings",
    summary="A room's bookings (default: today, local time)",
    responses=NOT_FOUND,
)
def room_bookings(
    caller: Viewer,
    room_id: str,
    session: SessionDep,
    clock: ClockDep,
    start: StartQuery = None,
    end: StartQuery = None,
    include_cancelled: bool = False,
) -> list[SlotOut]:
    room = _bookable_room(session, caller, room_id)
    start_at, end_at = _range(start, end, clock.now(), timedelta(days=1), _zone(room.timezone))
    return _slots(session, caller, "room", room.id, start_at, end_at, include_cancelled)


@router.get(
    "/desks/{desk_id}/bookings",
    summary="A desk's bookings (default: today, local time)",
    responses=NOT_FOUND,
)
def desk_bookings(
    caller: Viewer,
    desk_id: str,
    session: SessionDep,
    clock: ClockDep,
    start: StartQuery = None,
    end: StartQuery = None,
    include_cancelled: bool = False,
) -> list[SlotOut]:
    desk = (
        visible_desk(session, caller, desk_id)
        if caller.role is not Role.MEMBER
        else session.get(Desk, desk_id)
    )
    if desk is None or not access.space_visible(session, caller, "desk", desk_id):
        raise not_found("desk", desk_id)
    room = session.get(Room, desk.room_id)
    assert room is not None
    start_at, end_at = _range(start, end, clock.now(), timedelta(days=1), _zone(room.timezone))
    return _slots(session, caller, "desk", desk.id, start_at, end_at, include_cancelled)


def _bookable_room(session: Session, caller: Principal, room_id: str) -> Room:
    room = (
        visible_room(session, caller, room_id)
        if caller.role is not Role.MEMBER
        else session.get(Room, room_id)
    )
    if room is None or not access.space_visible(session, caller, "room", room_id):
        raise not_found("room", room_id)
    return room


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, OSError):
        return ZoneInfo("UTC")
