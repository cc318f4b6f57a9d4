"""Deleting a meeting: its transcript, minutes, action items and their deliveries go; a
``meeting_deletions`` row with ids and times stays, and the terminals are told to delete
what they still hold (``cmd/minutes`` ``delete``), again and again until one answers with
``minutes_deleted``. Ingest drops whatever still arrives for the session (hub/ingest/
speech.py). Voice commands said in the meeting and dead letters of the room's speech that
name the session are deleted too.

:func:`delete_meeting` is the one way a meeting is deleted (the API, the retention job):
it also deletes the meeting's key (``meeting_keys``, hub/sealing), so a copy of the rows that
outlived the deletion (a backup, a page not yet overwritten) can no longer be opened.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from contract.commands import MINUTES_TARGET, MinutesCommand, encode_minutes_command
from hub.db.minutes_models import ActionItem, ActionItemDelivery, MeetingDeletion, MeetingMinutes
from hub.db.models import DeadLetter, Device
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.db.voice_models import VoiceCommand
from hub.sealing.fields import keys_of
from hub.sealing.keys import destroy_key

# Send one command to one terminal: (room, device, target, payload) -> queued.
CommandSender = Callable[[str, str, str, bytes], bool]
RESEND_AFTER = timedelta(minutes=5)


def delete_meeting(
    session: Session, meeting: MinutesSession, by: str, now: datetime
) -> MeetingDeletion:
    """Delete the meeting's content in the caller's transaction; the tombstone."""
    session_id = meeting.session_id
    models = (TranscriptSegment, ActionItem, ActionItemDelivery, MeetingMinutes, VoiceCommand)
    for model in models:
        session.execute(delete(model).where(model.session_id == session_id))
    # The session rows stay as the meeting's skeleton (room, booking, times), without text.
    session.execute(
        update(MinutesSession)
        .where(MinutesSession.session_id == session_id)
        .values(title_sealed=None, detail=None)
    )
    _delete_dead_letters(session, meeting.room_id, session_id)
    # Crypto-shredding: without its key nothing sealed for the meeting opens again.
    destroy_key(session.connection(), session_id)
    keys_of(session).forget(session_id)
    row = session.scalar(select(MeetingDeletion).where(MeetingDeletion.session_id == session_id))
    if row is None:
        row = MeetingDeletion(
            session_id=session_id,
            room_id=meeting.room_id,
            deleted_at=now,
            deleted_by=by,
            command_attempts=0,
        )
        session.add(row)
    session.flush()
    return row


def wipe_old_pages(session: Session) -> None:
    """SQLite: copy the WAL into the file and empty it, so that the old pages (which still
    hold the deleted text) leave the WAL too; ``secure_delete`` zeroes them in the file
    (hub/db/engine.py). Best effort: a reader still busy keeps its pages until the next
    checkpoint. PostgreSQL's dead tuples go at its next vacuum."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def _delete_dead_letters(session: Session, room_id: str, session_id: str) -> None:
    # A refused transcript or minutes message of the session holds its text. Those that
    # name it in data.session are sealed with its key; others of the room (not JSON, say)
    # are opened and searched for its id.
    session.execute(delete(DeadLetter).where(DeadLetter.key_scope == session_id))
    needle = session_id.encode()
    rows = session.scalars(
        select(DeadLetter).where(DeadLetter.topic.contains(f"/rooms/{room_id}/"))
    )
    doomed = [row.id for row in rows if needle in row.payload]
    if doomed:
        session.execute(delete(DeadLetter).where(DeadLetter.id.in_(doomed)))


def send_delete(
    session: Session, row: MeetingDeletion, send: CommandSender | None, now: datetime
) -> list[str]:
    """Publish the delete command to the room's terminals; the devices it was queued for."""
    if send is None:
        return []
    devices = list(session.scalars(select(Device.id).where(Device.room_id == row.room_id)))
    devices += [
        d
        for d in session.scalars(
            select(MinutesSession.device_id).where(MinutesSession.session_id == row.session_id)
        )
        if d not in devices
    ]
    payload = encode_minutes_command(MinutesCommand(action="delete", session=row.session_id), now)
    sent = [d for d in devices if send(row.room_id, d, MINUTES_TARGET, payload)]
    row.command_attempts += 1
    if sent:
        row.command_sent_at = now
    return sent


def resend_deletes(session: Session, now: datetime, send: CommandSender | None) -> int:
    """The runner's job: re-send the command where no terminal has confirmed yet."""
    if send is None:
        return 0
    rows = session.scalars(
        select(MeetingDeletion)
        .where(MeetingDeletion.terminal_deleted_at.is_(None))
        .order_by(MeetingDeletion.id)
        .limit(100)
    ).all()
    count = 0
    for row in rows:
        if row.command_sent_at is None or now - row.command_sent_at >= RESEND_AFTER:
            send_delete(session, row, send, now)
            count += 1
    return count
