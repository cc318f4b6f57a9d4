"""Who may check in to, release, or read the decisions of a booking's occurrence.

- admins: every booking;
- facilities staff and door displays: bookings of the spaces their department may see
  (hub.auth.scope);
- a member: bookings they organize or attend;
- a terminal's account (role ``device``, named after its device id): bookings of the
  room the terminal is in, for voice commands.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.roles import Principal, Role
from hub.auth.scope import can_see_room
from hub.db.models import Booking, BookingAttendee, Desk, Device


def room_of_space(session: Session, space_kind: str, space_id: str) -> str | None:
    if space_kind == "room":
        return space_id
    return session.scalar(select(Desk.room_id).where(Desk.id == space_id))


def may_act_on(session: Session, caller: Principal, booking: Booking) -> bool:
    if caller.is_admin:
        return True
    room_id = room_of_space(session, booking.space_kind, booking.space_id)
    if caller.role in (Role.FACILITIES, Role.DISPLAY):
        return room_id is not None and can_see_room(session, caller, room_id)
    if caller.role is Role.DEVICE:
        device_room = session.scalar(select(Device.room_id).where(Device.id == caller.user_id))
        return device_room is not None and device_room == room_id
    if booking.organizer_id == caller.user_id:
        return True
    attendee = session.scalar(
        select(BookingAttendee.user_id).where(
            BookingAttendee.booking_id == booking.id, BookingAttendee.user_id == caller.user_id
        )
    )
    return attendee is not None


def may_use_space(session: Session, caller: Principal, space_kind: str, space_id: str) -> bool:
    """Whether the caller may check in to whatever is booked in this space (members: only
    bookings of their own, checked per booking)."""
    room_id = room_of_space(session, space_kind, space_id)
    if room_id is None:
        return False
    if caller.is_admin or caller.role is Role.MEMBER:
        return True
    if caller.role is Role.DEVICE:
        device_room = session.scalar(select(Device.room_id).where(Device.id == caller.user_id))
        return device_room == room_id
    return can_see_room(session, caller, room_id)
