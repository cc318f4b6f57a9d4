"""Reminders about open action items, once each: ``due_soon`` when the due date is within
the next 24 hours (today or tomorrow), ``overdue`` once it has passed. Dates are compared
in UTC. Only items of confirmed minutes that have an owner are reminded of; they go out
through the same outbox as the assignment (hub/minutes/delivery.py), with their own events.
"""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.minutes_models import ActionItem, MeetingMinutes
from hub.minutes.access import find_meeting
from hub.minutes.delivery import DUE_SOON, OVERDUE, queue

BATCH = 500


def send_reminders(session: Session, now: datetime) -> int:
    """The runner's job: queue the reminders that are due; how many were queued."""
    today = now.date()
    soon = (now + timedelta(hours=24)).date()
    confirmed = select(MeetingMinutes.session_id).where(MeetingMinutes.status == "confirmed")
    items = session.scalars(
        select(ActionItem)
        .where(
            ActionItem.status == "open",
            ActionItem.owner_user_id.is_not(None),
            ActionItem.due.is_not(None),
            ActionItem.due <= soon,
            ActionItem.overdue_at.is_(None),
            ActionItem.session_id.in_(confirmed),
        )
        .order_by(ActionItem.id)
        .limit(BATCH)
    ).all()
    queued = 0
    for item in items:
        assert item.due is not None
        meeting = find_meeting(session, item.session_id)
        if item.due < today:
            queue(session, item, meeting, OVERDUE, now)
            # Past due already: a "due soon" now would only be noise.
            item.overdue_at = now
            item.due_soon_at = item.due_soon_at or now
            queued += 1
        elif item.due_soon_at is None:
            queue(session, item, meeting, DUE_SOON, now)
            item.due_soon_at = now
            queued += 1
    return queued
