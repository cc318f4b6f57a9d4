"""Meeting keys: one random AES-256 key per meeting (``meeting_keys``), wrapped by the master
key, with the meeting's department fixed when the key is made.

A key's *scope* is the meeting's session id; content that belongs to no meeting gets a scope
of its own (``voice:<device>:<utterance>`` for a voice command said outside a meeting,
``dead-letters`` for refused messages that name no session). The associated data of every
sealed value is ``(scope, department, table.column)``: a value copied to another meeting,
department or column does not open.

The department is the room's at the time the first content of the meeting arrives (a room
is known from the message's topic, before any booking or organizer is); "" for a room of no
department. It is stored with the key, so moving the room to another department later does
not make its old meetings unreadable.

Core only (a Connection): the ORM attributes (:mod:`hub.sealing.fields`), the ingest's bulk
inserts and migration 0015 use the same functions.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, column, delete, insert, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import TableClause

from common.sealing.envelope import SealError, associated_data, new_key, open_sealed, seal
from common.sealing.master_keys import KeyProvider

MEETING_KEYS = table(
    "meeting_keys",
    column("scope"),
    column("department_id"),
    column("wrapped_key"),
    column("master_key_id"),
)
_ROOMS = table("rooms", column("id"), column("department_id"))
# Where a meeting's room can be found when the row being sealed does not name it.
_ROOM_OF_SESSION = (
    table("minutes_sessions", column("session_id"), column("room_id")),
    table("meeting_minutes", column("session_id"), column("room_id")),
    table("transcript_segments", column("session_id"), column("room_id")),
    table("voice_commands", column("session_id"), column("room_id")),
)
DEAD_LETTERS_SCOPE = "dead-letters"
_INSERT_IGNORING_CONFLICTS: dict[str, Callable[[TableClause], Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


class MeetingKeyError(SealError):
    """A meeting key that is missing or does not unwrap; the message says which and why."""


@dataclass(frozen=True)
class MeetingKey:
    scope: str
    department: str
    key: bytes

    def aad(self, field: str) -> bytes:
        return associated_data("quorum-field-v1", self.scope, self.department, field)

    def seal(self, field: str, plaintext: bytes) -> bytes:
        return seal(self.key, plaintext, self.aad(field))

    def open(self, field: str, envelope: bytes) -> bytes:
        try:
            return open_sealed(self.key, envelope, self.aad(field))
        except SealError as error:
            raise SealError(f"{field} of meeting {self.scope}: {error}") from None


def wrapping_aad(scope: str, department: str) -> bytes:
    return associated_data("quorum-meeting-key-v1", scope, department)


def load_key(connection: Connection, provider: KeyProvider, scope: str) -> MeetingKey | None:
    """The meeting's key, or None when it has none (never had, or it was deleted)."""
    row = connection.execute(
        select(
            MEETING_KEYS.c.department_id, MEETING_KEYS.c.wrapped_key, MEETING_KEYS.c.master_key_id
        ).where(MEETING_KEYS.c.scope == scope)
    ).first()
    if row is None:
        return None
    department, wrapped, master_key_id = row
    if master_key_id != provider.key_id:
        raise MeetingKeyError(
            f"the key of meeting {scope} is wrapped by master key {master_key_id}, but the "
            f"configured master key is {provider.key_id}: configure the master key it was "
            "made with (after a rotation: finish `python -m hub keys rotate`)"
        )
    try:
        key = provider.unwrap(bytes(wrapped), wrapping_aad(scope, department))
    except SealError as error:
        raise MeetingKeyError(f"the key of meeting {scope} does not unwrap: {error}") from None
    return MeetingKey(scope, department, key)


def ensure_key(
    connection: Connection, provider: KeyProvider, scope: str, room_id: str | None
) -> MeetingKey:
    """The meeting's key, made now (in the caller's transaction) if it has none yet."""
    found = load_key(connection, provider, scope)
    if found is not None:
        return found
    if room_id is None:
        room_id = _room_of(connection, scope)
    department = _department_of(connection, room_id) if room_id is not None else ""
    if room_id is None and scope != DEAD_LETTERS_SCOPE:
        raise MeetingKeyError(f"meeting {scope} has no key and no room to take a department from")
    row = {
        "scope": scope,
        "department_id": department,
        "wrapped_key": provider.wrap(new_key(), wrapping_aad(scope, department)),
        "master_key_id": provider.key_id,
    }
    make = _INSERT_IGNORING_CONFLICTS.get(connection.dialect.name)
    if make is not None:
        # Two hub workers may make the first key of a meeting at once: one row wins.
        connection.execute(make(MEETING_KEYS).values(row).on_conflict_do_nothing())
    else:
        connection.execute(insert(MEETING_KEYS).values(row))
    made = load_key(connection, provider, scope)
    assert made is not None
    return made


def destroy_key(connection: Connection, scope: str) -> bool:
    """Delete the meeting's key: whatever is still sealed with it cannot be opened again."""
    result = connection.execute(delete(MEETING_KEYS).where(MEETING_KEYS.c.scope == scope))
    return bool(result.rowcount)


def _department_of(connection: Connection, room_id: str) -> str:
    department = connection.execute(
        select(_ROOMS.c.department_id).where(_ROOMS.c.id == room_id)
    ).scalar()
    return department or ""


def _room_of(connection: Connection, scope: str) -> str | None:
    for source in _ROOM_OF_SESSION:
        room = connection.execute(
            select(source.c.room_id).where(source.c.session_id == scope).limit(1)
        ).scalar()
        if room is not None:
            return str(room)
    return None
