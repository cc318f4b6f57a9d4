"""Zombie series: a recurring booking nobody comes to is flagged, then cancelled.

Strikes are counted again from the occurrences every time (not incremented), so a
no-show release that is later undone takes its strike back with it. They are the
no-shows in a row, counting back from the latest occurrence that has an outcome;
occurrences the hub could not judge (no sensor data) neither count nor break the run.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.checkin.decisions import record
from hub.checkin.notify import queue_notice
from hub.checkin.policy import CheckInPolicy
from hub.checkin.rules import CANCELLED, CHECKED_IN, ENDED, NO_SHOW, RELEASED
from hub.db.models import Booking, BookingDecision, BookingOccurrence


def count_strikes(outcomes: list[tuple[str, str | None]]) -> int:
    """No-shows in a row at the end of ``outcomes`` ((state, release reason), oldest first)."""
    strikes = 0
    for state, reason in reversed(outcomes):
        if state == RELEASED and reason == NO_SHOW:
            strikes += 1
        elif state in (CHECKED_IN, ENDED, RELEASED):
            break  # people came (even if they left early)
    return strikes


def update_strikes(
    session: Session, booking_id: str, now: datetime, policy: CheckInPolicy
) -> list[BookingDecision]:
    booking = session.get(Booking, booking_id)
    if booking is None or booking.rrule is None or booking.cancelled_at is not None:
        return []
    outcomes = session.execute(
        select(BookingOccurrence.state, BookingOccurrence.release_reason)
        .where(BookingOccurrence.booking_id == booking_id, BookingOccurrence.starts_at <= now)
        .order_by(BookingOccurrence.starts_at)
    ).all()
    booking.strikes = count_strikes([(state, reason) for state, reason in outcomes])
    decisions: list[BookingDecision] = []
    if booking.strikes >= policy.flag_after_strikes and booking.flagged_at is None:
        booking.flagged_at = now
        text = (
            f"series flagged: {booking.strikes} no-shows in a row; it will be cancelled after "
            f"{policy.cancel_after_strikes}"
            if policy.cancel_after_strikes
            else f"series flagged: {booking.strikes} no-shows in a row"
        )
        decisions.append(_series_decision(session, booking, "series_flagged", text, now))
    elif booking.strikes < policy.flag_after_strikes and booking.flagged_at is not None:
        booking.flagged_at = None
        text = "series no longer flagged: people came"
        decisions.append(_series_decision(session, booking, "series_unflagged", text, now))
    if policy.cancel_after_strikes and booking.strikes >= policy.cancel_after_strikes:
        future = session.scalars(
            select(BookingOccurrence).where(
                BookingOccurrence.booking_id == booking_id,
                BookingOccurrence.starts_at > now,
                BookingOccurrence.state == "booked",
            )
        ).all()
        for occurrence in future:
            occurrence.state = CANCELLED
        booking.cancelled_at = now
        booking.cancel_reason = f"{booking.strikes} no-shows in a row"
        text = (
            f"series cancelled: {booking.strikes} no-shows in a row; "
            f"{len(future)} future occurrences freed"
        )
        decisions.append(_series_decision(session, booking, "series_cancelled", text, now))
    return decisions


def _series_decision(
    session: Session, booking: Booking, kind: str, text: str, now: datetime
) -> BookingDecision:
    decision = record(
        session,
        booking_id=booking.id,
        occurrence_id=None,
        kind=kind,
        effective_at=now,
        explanation=text,
        evidence=[{"at": now.isoformat(), "what": f"{booking.strikes} no-shows in a row"}],
        now=now,
    )
    if booking.organizer_id is not None:
        queue_notice(session, booking.organizer_id, kind, booking, None, text, now)
    return decision
