"""Ingest of a session's ``minutes`` and ``minutes_deleted`` messages.

Called from the ingest batch (hub/ingest/speech.py) for messages the ledger saw for the
first time. A ``minutes`` message becomes the session's draft; a later one replaces a draft
still in review (the terminal ran the extractor again) and is ignored once the minutes
are confirmed, or after the meeting was deleted. Owners are kept as the terminal named
them by user id, else matched by name against the meeting's people, then all users.
Action items and decisions added by voice during the meeting (``evidence.source: voice``)
are kept when the terminal's minutes replace a draft.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contract.minutes_data import EvidenceData, MinutesData, MinutesDeletedData, StatementData
from hub.db.minutes_models import ActionItem, MeetingDeletion, MeetingMinutes
from hub.db.models import User
from hub.minutes.access import find_meeting, people_of


def is_deleted(session: Session, session_id: str) -> bool:
    return (
        session.scalar(select(MeetingDeletion.id).where(MeetingDeletion.session_id == session_id))
        is not None
    )


def evidence_json(evidence: EvidenceData) -> dict[str, Any]:
    return {"quote": _text(evidence.quote), "line": evidence.line, "start": evidence.start}


def _statements(items: list[StatementData]) -> list[dict[str, Any]]:
    return [{"text": _text(s.text), "evidence": evidence_json(s.evidence)} for s in items]


def store_minutes(
    session: Session, device_id: str, room_id: str, data: MinutesData, received_at: datetime
) -> MeetingMinutes | None:
    """The session's draft from a ``minutes`` message; None when it was ignored."""
    if is_deleted(session, data.session):
        return None
    row = session.scalar(select(MeetingMinutes).where(MeetingMinutes.session_id == data.session))
    if row is not None and row.status != "draft":
        return None
    if row is None:
        row = MeetingMinutes(session_id=data.session, status="draft", edited=False)
        session.add(row)
    row.device_id, row.room_id = device_id, room_id
    row.language = data.language
    row.meeting_start = data.meeting_start
    # What voice commands added during the meeting (hub/voice/meeting.py) stays, after the
    # terminal's findings.
    spoken = [d for d in row.decisions or [] if _by_voice(d.get("evidence"))]
    row.decisions = _statements(data.decisions) + spoken
    row.open_questions = _statements(data.open_questions)
    row.received_at = row.updated_at = received_at
    kept = [i for i in _items(session, data.session) if _by_voice(i.evidence)]
    session.execute(
        delete(ActionItem).where(
            ActionItem.session_id == data.session, ActionItem.id.not_in([i.id for i in kept])
        )
    )
    for offset, spoken_item in enumerate(kept):
        spoken_item.position = len(data.action_items) + offset
    names = OwnerNames(session, data.session)
    for position, item in enumerate(data.action_items):
        owner_id = names.known(item.owner_user_id) or names.match(item.owner)
        session.add(
            ActionItem(
                session_id=data.session,
                position=position,
                task=_text(item.task),
                owner_name=_text(item.owner) if item.owner else None,
                owner_user_id=owner_id,
                due=item.due,
                evidence=evidence_json(item.evidence),
                review=[_text(r)[:200] for r in item.review],
                status="open",
                created_at=received_at,
                updated_at=received_at,
            )
        )
    session.flush()
    return row


def _by_voice(evidence: object) -> bool:
    return isinstance(evidence, dict) and evidence.get("source") == "voice"


def _items(session: Session, session_id: str) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.session_id == session_id)
    return list(session.scalars(query.order_by(ActionItem.position, ActionItem.id)))


def store_deleted(session: Session, data: MinutesDeletedData, received_at: datetime) -> None:
    """The terminal confirmed it holds nothing more of the session: stop re-sending."""
    row = session.scalar(select(MeetingDeletion).where(MeetingDeletion.session_id == data.session))
    if row is not None and row.terminal_deleted_at is None:
        row.terminal_deleted_at = received_at


class OwnerNames:
    """Finds an owner's user id from a name: the meeting's people first, then everyone."""

    def __init__(self, session: Session, session_id: str) -> None:
        self._session = session
        meeting = find_meeting(session, session_id)
        people = None if meeting is None else people_of(session, meeting)
        self._first: set[str] = set()
        if people is not None:
            self._first = set(people.attendee_ids)
            if people.organizer_id is not None:
                self._first.add(people.organizer_id)
        self._index: dict[str, set[str]] | None = None

    def known(self, user_id: str | None) -> str | None:
        if user_id is None:
            return None
        return user_id if self._session.get(User, user_id) is not None else None

    def match(self, name: str | None) -> str | None:
        key = _key(name or "")
        if not key:
            return None
        found = self._names().get(key, set())
        among_people = found & self._first
        for candidates in (among_people, found):
            if len(candidates) == 1:  # an ambiguous name stays without an owner
                return next(iter(candidates))
        return None

    def _names(self) -> dict[str, set[str]]:
        if self._index is None:
            self._index = {}
            rows = self._session.execute(
                select(User.id, User.display_name, User.aliases).where(User.active.is_(True))
            )
            for user_id, display_name, aliases in rows:
                for name in [display_name, *(aliases or [])]:
                    if isinstance(name, str) and _key(name):
                        self._index.setdefault(_key(name), set()).add(user_id)
        return self._index


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _text(text: str) -> str:
    return text.replace("\x00", "\\x00")  # PostgreSQL refuses NUL in text
