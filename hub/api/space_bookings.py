"""A room's or desk's bookings for one day: the view door displays and room pages read.

Everyone who may see a space (display accounts included) sees when it is booked, by
occurrence; titles and organizers only where hub.bookings.access allows, others see busy
slots. The default range is today in the room's local time. Apart from hub.api.bookings
because it answers per space, for a screen on the door, not per booking.
"""

from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.booking_models import OccurrenceOut, SlotOut
from hub.api.booking_views import StartQuery, attendees_of, listing_range
from hub.api.common import not_found
from hub.api.errors import NOT_FOUND
from hub.auth.dependencies import require_roles
from hub.auth.roles import Principal, Role
from hub.auth.scope import visible_desk, visible_room
from hub.bookings import access
from hub.db.models import Booking, BookingOccurrence, Desk, Room
from hub.state import ClockDep, SessionDep

router = APIRouter(tags=["bookings"])

Viewer = Annotated[
    Principal, Depends(require_roles(Role.ADMIN, Role.FACILITIES, Role.MEMBER, Role.DISPLAY))
]


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
    attendees = attendees_of(session, {booking.id for _, booking in rows})
    slots = []
    for occurrence, booking in rows:
        details = access.sees_details(session, caller, booking, attendees[booking.id])
        slots.append(
            SlotOut(
                **OccurrenceOut.of(occurrence, details).model_dump(),
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
    start_at, end_at = listing_range(
        start, end, clock.now(), timedelta(days=1), _zone(room.timezone)
    )
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
    start_at, end_at = listing_range(
        start, end, clock.now(), timedelta(days=1), _zone(room.timezone)
    )
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
