"""Expired meetings: their transcripts first, later the whole meeting.

A meeting's age counts from its end: the last ``stopped_at`` (or, for a session that never
stopped, ``started_at``) of its minutes-session rows. Two classes:

- ``transcripts``: the transcript segments (what was said, word for word) of meetings that
  ended before the cutoff; the minutes and action items stay. Segments whose session the hub
  never heard of go by the time they arrived.
- ``minutes``: the whole meeting, through the one entry point every deletion uses
  (:func:`hub.minutes.deletion.delete_meeting`: transcript, minutes, action items and their
  deliveries, the meeting's dead letters and its key; a ``meeting_deletions`` row stays, and
  the hub tells the terminals to delete their copy, hub/minutes/runner.py).
"""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from hub.db.minutes_models import MeetingDeletion
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.minutes.deletion import delete_meeting
from hub.retention.expire import delete_where

#: Who a meeting deleted by the retention job was deleted by (``meeting_deletions``).
DELETED_BY = "retention"


def _ended_before(cutoff: datetime) -> ColumnElement[bool]:
    ended = func.max(func.coalesce(MinutesSession.stopped_at, MinutesSession.started_at))
    return ended < cutoff


def transcripts(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Transcript segments of meetings that ended before the cutoff."""
    old = (
        select(MinutesSession.session_id)
        .group_by(MinutesSession.session_id)
        .having(_ended_before(cutoff))
    )
    known = select(MinutesSession.session_id)
    where = or_(
        TranscriptSegment.session_id.in_(old),
        and_(TranscriptSegment.received_at < cutoff, TranscriptSegment.session_id.not_in(known)),
    )
    return delete_where(session, TranscriptSegment, where, dry_run)


def meetings(session: Session, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    """Meetings that ended before the cutoff and are not deleted yet, deleted whole."""
    deleted = select(MeetingDeletion.session_id)
    expired = list(
        session.scalars(
            select(MinutesSession.session_id)
            .where(MinutesSession.session_id.not_in(deleted))
            .group_by(MinutesSession.session_id)
            .having(_ended_before(cutoff))
            .order_by(MinutesSession.session_id)
        )
    )
    if dry_run:
        return len(expired)
    for session_id in expired:
        meeting = session.scalars(
            select(MinutesSession)
            .where(MinutesSession.session_id == session_id)
            .order_by(MinutesSession.id)
            .limit(1)
        ).one()
        delete_meeting(session, meeting, DELETED_BY, now)
    return len(expired)
