"""Who may see, book and change which bookings.

Spaces: admins everything; facilities, display and member accounts the rooms (and their
desks) of their own department plus shared rooms; device accounts none. Members and
facilities may book there; display panels only read.

A booking's details (title, organizer, attendees) are shown to admins, to facilities and
display accounts whose scope holds the space, and to the organizer and attendees. Other
members see the booking as a busy slot only. Changing or cancelling it is for the
organizer, facilities in scope and admins.
"""

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from hub.auth.roles import Principal, Role
from hub.db.models import Booking, BookingAttendee, Desk, Room

#: Roles that see spaces for bookings, limited to their department plus shared rooms.
_SCOPED = frozenset({Role.FACILITIES, Role.DISPLAY, Role.MEMBER})
BOOKERS = frozenset({Role.ADMIN, Role.FACILITIES, Role.MEMBER})


def booking_room_clause(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Room`: the rooms whose bookings ``principal`` may see."""
    if principal.is_admin:
        return true()
    if principal.role not in _SCOPED:
        return false()
    shared = Room.department_id.is_(None)
    if principal.department_id is None:
        return shared
    return or_(shared, Room.department_id == principal.department_id)


def space_visible(session: Session, principal: Principal, space_kind: str, space_id: str) -> bool:
    """Whether the space exists and its bookings are visible to ``principal``."""
    if space_kind == "room":
        query = select(Room.id).where(Room.id == space_id, booking_room_clause(principal))
    elif space_kind == "desk":
        query = (
            select(Desk.id)
            .join(Room, Room.id == Desk.room_id)
            .where(Desk.id == space_id, booking_room_clause(principal))
        )
    else:
        return False
    return session.scalar(query) is not None


def can_book(session: Session, principal: Principal, space_kind: str, space_id: str) -> bool:
    return principal.role in BOOKERS and space_visible(session, principal, space_kind, space_id)


def visible_booking_clause(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Booking`: what ``principal`` may see (at least as busy)."""
    if principal.is_admin:
        return true()
    rooms = select(Room.id).where(booking_room_clause(principal))
    desks = (
        select(Desk.id).join(Room, Room.id == Desk.room_id).where(booking_room_clause(principal))
    )
    attending = exists().where(
        BookingAttendee.booking_id == Booking.id, BookingAttendee.user_id == principal.user_id
    )
    return or_(
        (Booking.space_kind == "room") & Booking.space_id.in_(rooms),
        (Booking.space_kind == "desk") & Booking.space_id.in_(desks),
        Booking.organizer_id == principal.user_id,
        attending,
    )


def is_participant(principal: Principal, booking: Booking, attendees: list[str]) -> bool:
    return booking.organizer_id == principal.user_id or principal.user_id in attendees


def sees_details(
    session: Session, principal: Principal, booking: Booking, attendees: list[str]
) -> bool:
    if principal.is_admin or is_participant(principal, booking, attendees):
        return True
    return principal.role in (Role.FACILITIES, Role.DISPLAY) and space_visible(
        session, principal, booking.space_kind, booking.space_id
    )


def can_manage(session: Session, principal: Principal, booking: Booking) -> bool:
    if principal.is_admin or booking.organizer_id == principal.user_id:
        return True
    return principal.role is Role.FACILITIES and space_visible(
        session, principal, booking.space_kind, booking.space_id
    )
