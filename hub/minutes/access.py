"""Who may do what with a meeting: admins everything; the booking's organizer reads and
edits; its attendees read; an action item's owner reads and closes their item.

A meeting is a minutes session (``minutes_sessions``, first row of the session id); its
booking is the occurrence the session was attached to. A meeting without a booking is for
admins only. Facilities staff, displays and terminals are refused by the routers (403).
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.roles import Principal, Role
from hub.db.minutes_models import ActionItem
from hub.db.models import Booking, BookingAttendee, BookingOccurrence
from hub.db.speech_models import MinutesSession


@dataclass(frozen=True)
class MeetingPeople:
    organizer_id: str | None
    attendee_ids: frozenset[str]

    def participates(self, user_id: str) -> bool:
        return user_id == self.organizer_id or user_id in self.attendee_ids


def find_meeting(session: Session, session_id: str) -> MinutesSession | None:
    return session.scalar(
        select(MinutesSession)
        .where(MinutesSession.session_id == session_id)
        .order_by(MinutesSession.id)
        .limit(1)
    )


def people_of(session: Session, meeting: MinutesSession) -> MeetingPeople:
    """The organizer and attendees of the meeting's booking (nobody without one)."""
    if meeting.booking_occurrence_id is None:
        return MeetingPeople(None, frozenset())
    occurrence = session.get(BookingOccurrence, meeting.booking_occurrence_id)
    booking = None if occurrence is None else session.get(Booking, occurrence.booking_id)
    if booking is None:
        return MeetingPeople(None, frozenset())
    attendees = session.scalars(
        select(BookingAttendee.user_id).where(BookingAttendee.booking_id == booking.id)
    )
    return MeetingPeople(booking.organizer_id, frozenset(attendees))


def may_read_meeting(session: Session, caller: Principal, meeting: MinutesSession) -> bool:
    if caller.is_admin:
        return True
    if caller.role is not Role.MEMBER:
        return False
    if people_of(session, meeting).participates(caller.user_id):
        return True
    # Owners of one of its items see the meeting their item came from.
    return (
        session.scalar(
            select(ActionItem.id)
            .where(
                ActionItem.session_id == meeting.session_id,
                ActionItem.owner_user_id == caller.user_id,
            )
            .limit(1)
        )
        is not None
    )


def may_edit_meeting(session: Session, caller: Principal, meeting: MinutesSession) -> bool:
    """Admins and the organizer: edit and confirm minutes, delete the meeting."""
    if caller.is_admin:
        return True
    return caller.role is Role.MEMBER and people_of(session, meeting).organizer_id == (
        caller.user_id
    )


def readable_session_ids(session: Session, caller: Principal) -> set[str] | None:
    """Session ids a member may read (None: all, for admins)."""
    if caller.is_admin:
        return None
    booking_ids = set(
        session.scalars(select(Booking.id).where(Booking.organizer_id == caller.user_id))
    ) | set(
        session.scalars(
            select(BookingAttendee.booking_id).where(BookingAttendee.user_id == caller.user_id)
        )
    )
    ids: set[str] = set()
    if booking_ids:
        occurrences = select(BookingOccurrence.id).where(
            BookingOccurrence.booking_id.in_(booking_ids)
        )
        ids |= set(
            session.scalars(
                select(MinutesSession.session_id).where(
                    MinutesSession.booking_occurrence_id.in_(occurrences)
                )
            )
        )
    ids |= set(
        session.scalars(
            select(ActionItem.session_id).where(ActionItem.owner_user_id == caller.user_id)
        )
    )
    return ids
