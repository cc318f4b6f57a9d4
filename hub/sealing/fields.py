"""Sealed ORM attributes: code reads and writes plaintext, the database holds envelopes.

A model declares ``task = Sealed(TEXT)`` next to the mapped column ``task_sealed``
(``LargeBinary``) and a ``sealing_scope()`` method naming its meeting (and room, when the
row knows it). Setting ``item.task`` keeps the plaintext on the object and marks the column
for sealing; ``before_flush`` seals it with the meeting's key (made in the same transaction
if the meeting has none yet). Loading a row opens its sealed columns at once, so a row
read inside a session can be used after the session closed, like any other.

Keys are looked up once per meeting and database session (``session.info``), never cached
across sessions: a meeting deleted by another hub worker is unreadable here at once. A
rollback forgets them (a key made in a rolled-back transaction does not exist).

Queries cannot filter on sealed attributes (the database sees only ciphertext); none does.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import orjson
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from common.sealing.envelope import SealError
from common.sealing.master_keys import KeyProvider
from hub.sealing import provider
from hub.sealing.keys import MeetingKey, ensure_key, load_key

T = TypeVar("T")
_KEYS = "quorum.meeting_keys"


@dataclass(frozen=True)
class Codec(Generic[T]):
    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


TEXT: Codec[str] = Codec(lambda s: s.encode("utf-8"), lambda b: b.decode("utf-8"))
JSON: Codec[Any] = Codec(orjson.dumps, orjson.loads)
BYTES: Codec[bytes] = Codec(bytes, bytes)


class _Pending:
    """Stands in a sealed column between a plaintext assignment and the flush."""

    def __repr__(self) -> str:
        return "<to be sealed>"


PENDING: Any = _Pending()


class Sealed(Generic[T]):
    """A plaintext attribute kept sealed in the mapped column ``<name>_sealed``."""

    def __init__(self, codec: Codec[Any], default: Callable[[], T] | None = None) -> None:
        self.codec = codec
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.column = f"{name}_sealed"
        self.field = f"{owner.__dict__['__tablename__']}.{name}"
        self._plain = f"_plain_{name}"
        self._opened = f"_opened_{name}"  # (envelope, plaintext) of the last opened value
        owner.__sealed_fields__ = (*owner.__dict__.get("__sealed_fields__", ()), self)  # type: ignore[attr-defined]

    @overload
    def __get__(self, obj: None, owner: type) -> "Sealed[T]": ...

    @overload
    def __get__(self, obj: object, owner: type) -> T: ...

    def __get__(self, obj: object | None, owner: type) -> "T | Sealed[T]":
        if obj is None:
            return self
        envelope = getattr(obj, self.column)  # loads it if expired
        if envelope is None:
            return None  # type: ignore[return-value]
        if envelope is PENDING:
            return obj.__dict__[self._plain]
        opened = obj.__dict__.get(self._opened)
        if opened is None or opened[0] != envelope:
            session = object_session(obj)
            if session is None:
                raise SealError(f"{self.field} cannot be opened outside a database session")
            self.open_into(obj, keys_of(session).for_read(_scope(obj)[0]))
            opened = obj.__dict__[self._opened]
        return opened[1]

    def __set__(self, obj: object, value: T | None) -> None:
        obj.__dict__[self._plain] = value
        setattr(obj, self.column, None if value is None else PENDING)

    def open_into(self, obj: object, key: MeetingKey) -> None:
        envelope = obj.__dict__.get(self.column)
        if isinstance(envelope, bytes | memoryview):
            envelope = bytes(envelope)
            plaintext = self.codec.decode(key.open(self.field, envelope))
            obj.__dict__[self._opened] = (envelope, plaintext)

    def seal_from(self, obj: object, key: MeetingKey, is_new: bool) -> None:
        state = obj.__dict__
        if state.get(self.column) is PENDING:
            value = state.pop(self._plain)
        elif is_new and state.get(self.column) is None and self.default is not None:
            value = self.default()
        else:
            return
        envelope = key.seal(self.field, self.codec.encode(value))
        setattr(obj, self.column, envelope)
        state[self._opened] = (envelope, value)

    def seal_value(self, key: MeetingKey, value: T) -> bytes:
        """The envelope of ``value`` for this column (Core inserts)."""
        return key.seal(self.field, self.codec.encode(value))


def sealed_fields(obj: object) -> tuple["Sealed[Any]", ...]:
    return getattr(type(obj), "__sealed_fields__", ())


def _scope(obj: object) -> tuple[str, str | None]:
    scope: tuple[str, str | None] = obj.sealing_scope()  # type: ignore[attr-defined]
    return scope


class SessionKeys:
    """The meeting keys one database session has used."""

    def __init__(self, session: Session, master: KeyProvider) -> None:
        self._session = session
        self._master = master
        self._keys: dict[str, MeetingKey] = {}

    def for_read(self, scope: str) -> MeetingKey:
        key = self._keys.get(scope)
        if key is None:
            key = load_key(self._session.connection(), self._master, scope)
            if key is None:
                raise SealError(
                    f"meeting {scope} has no key (deleted?): its sealed rows cannot be opened"
                )
            self._keys[scope] = key
        return key

    def for_write(self, scope: str, room_id: str | None) -> MeetingKey:
        key = self._keys.get(scope)
        if key is None:
            key = ensure_key(self._session.connection(), self._master, scope, room_id)
            self._keys[scope] = key
        return key

    def forget(self, scope: str | None = None) -> None:
        if scope is None:
            self._keys.clear()
        else:
            self._keys.pop(scope, None)


def keys_of(session: Session) -> SessionKeys:
    keys = session.info.get(_KEYS)
    if keys is None:
        keys = session.info[_KEYS] = SessionKeys(session, provider.current())
    return keys


@event.listens_for(Session, "before_flush")
def _seal_before_flush(session: Session, _context: object, _instances: object) -> None:
    new = set(session.new)
    records = [o for o in (*session.new, *session.dirty) if sealed_fields(o)]
    if not records:
        return
    keys = keys_of(session)
    # Rows that name their room first: a meeting's key takes its department from the room.
    records.sort(key=lambda o: _scope(o)[1] is None)
    for obj in records:
        if not _needs_sealing(obj, obj in new):
            continue
        scope, room_id = _scope(obj)
        key = keys.for_write(scope, room_id)
        for field in sealed_fields(obj):
            field.seal_from(obj, key, obj in new)


def _needs_sealing(obj: object, is_new: bool) -> bool:
    state = obj.__dict__
    return any(
        state.get(f.column) is PENDING
        or (is_new and f.default is not None and state.get(f.column) is None)
        for f in sealed_fields(obj)
    )


def _open_loaded(obj: object, session: Session | None, attrs: Iterable[str] | None) -> None:
    fields = sealed_fields(obj)
    if not fields or session is None:
        return
    wanted = None if attrs is None else set(attrs)
    fields = tuple(
        f
        for f in fields
        if (wanted is None or f.column in wanted)
        and isinstance(obj.__dict__.get(f.column), bytes | memoryview)
    )
    if fields:
        key = keys_of(session).for_read(_scope(obj)[0])
        for field in fields:
            field.open_into(obj, key)


def _on_load(obj: object, context: Any) -> None:
    _open_loaded(obj, context.session, None)


def _on_refresh(obj: object, context: Any, attrs: Iterable[str] | None) -> None:
    # No context: a bulk UPDATE set the values in memory (evaluated, not loaded).
    _open_loaded(obj, object_session(obj) if context is None else context.session, attrs)


def listen_for_loads(model: type) -> None:
    """Open a model's sealed columns whenever rows of it are loaded or refreshed."""
    event.listen(model, "load", _on_load)
    event.listen(model, "refresh", _on_refresh)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous: object) -> None:
    keys = session.info.get(_KEYS)
    if keys is not None:
        keys.forget()
