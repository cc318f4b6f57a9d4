"""What speech messages do to the database: transcript segments and minutes sessions.

Called by :func:`hub.ingest.apply.apply_batch` for messages the ledger saw for the first
time, so a re-delivered message changes nothing. A batch collects the rows here and
:meth:`SpeechBook.write` stores them at the end, in one statement per table:

- ``transcript``: a final segment is stored once per ``(device, session, segment)``; an
  interim (``final: false``) is replaced by a later interim of the same index.
- ``minutes_session``: the ``started`` and ``stopped`` messages of a session fill one
  ``minutes_sessions`` row, whichever arrives first (a replay may reorder them). A session
  whose start names no booking is attached to the room's booking under way when it started.
- ``minutes``: the session's draft minutes and action items; ``minutes_deleted``: the
  terminal's confirmation of a delete command (hub/minutes/store.py).
- ``intent``: a voice command, stored ``pending`` (hub/voice/store.py); :attr:`voice_ids`
  names the new ones, which the ingest service carries out after the commit.

Nothing is stored for a session deleted through the API (``meeting_deletions``): a
terminal's spool may still hold its transcript when the delete command is sent.

Segment text is sealed here with the meeting's key (the bulk insert bypasses the ORM
attributes that seal everything else; hub/sealing).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from contract.intent_data import IntentData
from contract.messages import (
    Message,
    MinutesData,
    MinutesDeletedData,
    MinutesSessionData,
    TranscriptData,
)
from hub.db.minutes_models import MeetingDeletion
from hub.db.models import BookingOccurrence
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.minutes.store import store_deleted, store_minutes
from hub.sealing.fields import keys_of
from hub.voice.store import store_intents

_SEGMENTS = cast(Table, TranscriptSegment.__table__)
_SEGMENT_KEY = ("device_id", "session_id", "segment", "final")
_UPSERT: dict[str, Callable[[Table], Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
# What an interim segment replaces of an earlier interim with the same index.
_INTERIM_FIELDS = ("boot", "seq", "start_s", "end_s", "text_sealed", "language", "received_at")


class SpeechBook:
    """Speech rows of one batch, written by :meth:`write`."""

    def __init__(self) -> None:
        self._segments: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._sessions: dict[tuple[str, str], dict[str, Any]] = {}
        self._minutes: list[tuple[str, str, MinutesData, datetime]] = []
        self._deleted: list[tuple[MinutesDeletedData, datetime]] = []
        self._intents: list[tuple[str, str, IntentData, datetime]] = []
        #: Voice commands stored by :meth:`write`, to carry out once the batch is committed.
        self.voice_ids: list[int] = []

    def add(self, message: Message, received_at: datetime) -> None:
        data = message.data
        if isinstance(data, TranscriptData):
            self._add_segment(message, data, received_at)
        elif isinstance(data, MinutesSessionData):
            self._add_session(message, data)
        elif isinstance(data, MinutesData):
            self._minutes.append((message.envelope.device, message.room, data, received_at))
        elif isinstance(data, MinutesDeletedData):
            self._deleted.append((data, received_at))
        elif isinstance(data, IntentData):
            self._intents.append((message.envelope.device, message.room, data, received_at))

    def _add_segment(self, message: Message, data: TranscriptData, received_at: datetime) -> None:
        env = message.envelope
        row = {
            "device_id": env.device,
            "boot": env.boot,
            "seq": env.seq,
            "room_id": message.room,
            "session_id": data.session,
            "segment": data.segment,
            "start_s": data.start_s,
            "end_s": data.end_s,
            "started_at": data.started_at,
            "text": _no_nul(data.text),
            "final": data.final,
            "language": data.language,
            "received_at": received_at,
        }
        key = tuple(row[k] for k in _SEGMENT_KEY)
        earlier = self._segments.get(key)
        # Finals: the first copy wins. Interims: the latest of the batch.
        if earlier is None or (not data.final and env.seq > earlier["seq"]):
            self._segments[key] = row

    def _add_session(self, message: Message, data: MinutesSessionData) -> None:
        key = (message.envelope.device, data.session)
        fields = self._sessions.setdefault(
            key, {"room_id": message.room, "started_at": data.started_at}
        )
        if data.booking_occurrence_id is not None:
            fields["booking_occurrence_id"] = data.booking_occurrence_id
        fields["recording"] = fields.get("recording", False) or data.recording
        if data.state == "started":
            fields.update(
                start_reason=data.reason,
                title=_clean(data.title),
                language=_clean(data.language),
            )
        else:
            fields.update(
                stop_reason=data.reason,
                stopped_at=data.stopped_at,
                segments=data.segments,
                detail=_clean(data.detail),
            )

    def write(self, session: Session) -> None:
        gone = self._deleted_sessions(session)
        segments = [r for r in self._segments.values() if r["session_id"] not in gone]
        if segments:
            self._write_segments(session, [_sealed(session, r) for r in segments])
        for (device_id, session_id), fields in sorted(self._sessions.items()):
            if session_id not in gone:
                self._write_session(session, device_id, session_id, fields)
        for device_id, room_id, data, received_at in self._minutes:
            store_minutes(session, device_id, room_id, data, received_at)
        for deleted, received_at in self._deleted:
            store_deleted(session, deleted, received_at)
        if self._intents:
            self.voice_ids = store_intents(session, self._intents)

    def _deleted_sessions(self, session: Session) -> set[str]:
        named = {r["session_id"] for r in self._segments.values()}
        named |= {session_id for _, session_id in self._sessions}
        if not named:
            return set()
        return set(
            session.scalars(
                select(MeetingDeletion.session_id).where(MeetingDeletion.session_id.in_(named))
            )
        )

    def _write_segments(self, session: Session, rows: list[dict[str, Any]]) -> None:
        make = _UPSERT.get(session.get_bind().dialect.name)
        finals = [r for r in rows if r["final"]]
        interims = [r for r in rows if not r["final"]]
        if make is None:  # other databases: look first; the unique key stays the guard
            for row in finals + interims:
                _store_segment_slowly(session, row)
            return
        if finals:
            session.execute(make(_SEGMENTS).on_conflict_do_nothing(), finals)
        for row in interims:  # rare (live captions only), and one per key per batch
            statement = make(_SEGMENTS).values(row)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=list(_SEGMENT_KEY),
                    set_={f: statement.excluded[f] for f in _INTERIM_FIELDS},
                )
            )

    def _write_session(
        self, session: Session, device_id: str, session_id: str, fields: dict[str, Any]
    ) -> None:
        row = session.scalar(
            select(MinutesSession).where(
                MinutesSession.device_id == device_id, MinutesSession.session_id == session_id
            )
        )
        if row is None:
            row = MinutesSession(device_id=device_id, session_id=session_id, recording=False)
            session.add(row)
        for name, value in fields.items():
            if name == "recording":
                value = bool(row.recording) or value
            setattr(row, name, value)
        if row.booking_occurrence_id is None:
            row.booking_occurrence_id = _booking_under_way(session, row.room_id, row.started_at)
        session.flush()


def _sealed(session: Session, row: dict[str, Any]) -> dict[str, Any]:
    """The row with its text sealed (``text_sealed``) instead of plain (``text``)."""
    sealed = dict(row)
    key = keys_of(session).for_write(row["session_id"], row["room_id"])
    sealed["text_sealed"] = TranscriptSegment.text.seal_value(key, sealed.pop("text"))
    return sealed


def _booking_under_way(session: Session, room_id: str, at: datetime) -> int | None:
    return session.scalar(
        select(BookingOccurrence.id)
        .where(
            BookingOccurrence.space_kind == "room",
            BookingOccurrence.space_id == room_id,
            BookingOccurrence.starts_at <= at,
            BookingOccurrence.ends_at > at,
            BookingOccurrence.state != "cancelled",
        )
        .order_by(BookingOccurrence.starts_at.desc())
        .limit(1)
    )


def _store_segment_slowly(session: Session, row: dict[str, Any]) -> None:
    key = and_(*(getattr(TranscriptSegment, k) == row[k] for k in _SEGMENT_KEY))
    existing = session.scalar(select(TranscriptSegment).where(key))
    if existing is None:
        session.execute(insert(_SEGMENTS), [row])
    elif not row["final"]:
        for name in _INTERIM_FIELDS:
            setattr(existing, name, row[name])


def _clean(text: str | None) -> str | None:
    return None if text is None else _no_nul(text)


def _no_nul(text: str) -> str:
    # PostgreSQL refuses NUL in text columns.
    return text.replace("\x00", "\\x00")
