"""What people do to a booking: check in (API, door display, voice) and release it.

An explicit check-in carries the time it was made (``at``): one sent while the hub
was unreachable still counts for the moment it was made, and if the hub had released
the booking meanwhile, the release is undone (by the engine's rules, with a notice).
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.checkin.decisions import record
from hub.checkin.engine import TickReport, evaluate
from hub.checkin.policy import CheckInPolicy
from hub.checkin.rules import (
    ABANDONED,
    BOOKED,
    CANCELLED,
    CHECKED_IN,
    EXPLICIT_METHODS,
    MANUAL,
    NO_SHOW,
    RELEASED,
)
from hub.db.models import Booking, BookingDecision, BookingOccurrence


class CheckInError(Exception):
    """A check-in or release that cannot be done; the message says why."""


class NothingToCheckIn(CheckInError):
    pass


def find_occurrence(
    session: Session, space_kind: str, space_id: str, at: datetime, policy: CheckInPolicy
) -> BookingOccurrence | None:
    """The occurrence of this space that a check-in made at ``at`` is for."""
    return session.scalar(
        select(BookingOccurrence)
        .where(
            BookingOccurrence.space_kind == space_kind,
            BookingOccurrence.space_id == space_id,
            BookingOccurrence.starts_at <= at + policy.early_check_in,
            BookingOccurrence.ends_at > at,
            BookingOccurrence.state.in_((BOOKED, CHECKED_IN, RELEASED)),
        )
        .order_by(BookingOccurrence.starts_at)
        .limit(1)
        .with_for_update()
    )


def check_in(
    session: Session,
    occurrence: BookingOccurrence,
    *,
    at: datetime,
    method: str,
    actor: str,
    now: datetime,
    policy: CheckInPolicy,
) -> list[BookingDecision]:
    """Record an explicit check-in made at ``at``; returns the decisions it led to."""
    if method not in EXPLICIT_METHODS:
        raise CheckInError(f"unknown check-in method {method!r}")
    if not occurrence.starts_at - policy.early_check_in <= at < occurrence.ends_at:
        raise NothingToCheckIn(
            f"a check-in at {at.isoformat()} is outside this booking "
            f"({occurrence.starts_at.isoformat()} to {occurrence.ends_at.isoformat()}, "
            f"check-in opens {policy.early_check_in.total_seconds() / 60:g} minutes early)"
        )
    if occurrence.state == CANCELLED:
        raise CheckInError("this booking was cancelled")
    if occurrence.state == RELEASED and occurrence.release_reason not in (NO_SHOW, ABANDONED):
        raise CheckInError(
            f"this booking was released by a person at {_iso(occurrence.released_at)}; "
            "book the space again"
        )
    earlier = occurrence.checked_in_at
    if earlier is not None and earlier <= at and occurrence.state != RELEASED:
        return []  # already checked in; the first check-in stands
    booking = session.get(Booking, occurrence.booking_id)
    assert booking is not None
    was_released = occurrence.state == RELEASED
    if was_released and occurrence.released_at is not None and at >= occurrence.released_at:
        taken = _taken_since_release(session, occurrence, at)
        if taken is not None:
            raise CheckInError(
                f"the space was released at {occurrence.released_at.isoformat()} and is booked "
                f"again from {taken.starts_at.isoformat()}"
            )
    occurrence.checked_in_at = at
    occurrence.check_in_method = method
    decisions: list[BookingDecision] = []
    if not was_released:
        occurrence.state = CHECKED_IN
        decisions.append(
            record(
                session,
                booking_id=booking.id,
                occurrence_id=occurrence.id,
                kind="checked_in",
                effective_at=at,
                explanation=f"checked in at {at.strftime('%H:%M:%S UTC')} by {method}",
                evidence=[{"at": at.isoformat(), "what": f"checked in by {method}", "by": actor}],
                now=now,
                actor=actor,
            )
        )
    # The rules decide the rest: an undone release, or strikes taken back.
    report: TickReport = evaluate(session, [(occurrence, booking)], now, policy)
    return decisions + report.decisions


def release(
    session: Session,
    occurrence: BookingOccurrence,
    *,
    actor: str,
    now: datetime,
) -> BookingDecision:
    """A person gives the space back ("release the room"); before the start it is a
    cancellation of this occurrence."""
    if occurrence.state in (RELEASED, CANCELLED) or occurrence.ends_at <= now:
        raise CheckInError(f"this booking is {occurrence.state} and cannot be released")
    before_start = now < occurrence.starts_at
    if before_start:
        occurrence.state = CANCELLED
        kind, text = "cancelled", "occurrence cancelled before it began"
    else:
        occurrence.state = RELEASED
        occurrence.released_at = now
        occurrence.release_reason = MANUAL
        kind, text = "released_manual", f"released by {actor} at {now.strftime('%H:%M:%S UTC')}"
    return record(
        session,
        booking_id=occurrence.booking_id,
        occurrence_id=occurrence.id,
        kind=kind,
        effective_at=now,
        explanation=text,
        evidence=[{"at": now.isoformat(), "what": "released by a person", "by": actor}],
        now=now,
        actor=actor,
    )


def _taken_since_release(
    session: Session, occurrence: BookingOccurrence, at: datetime
) -> BookingOccurrence | None:
    """Another booking of the space in what is left of this one, made after the release."""
    return session.scalar(
        select(BookingOccurrence).where(
            BookingOccurrence.space_kind == occurrence.space_kind,
            BookingOccurrence.space_id == occurrence.space_id,
            BookingOccurrence.id != occurrence.id,
            BookingOccurrence.state.in_((BOOKED, CHECKED_IN)),
            BookingOccurrence.starts_at < occurrence.ends_at,
            BookingOccurrence.ends_at > at,
        )
    )


def _iso(at: datetime | None) -> str:
    return at.isoformat() if at is not None else "an unknown time"
