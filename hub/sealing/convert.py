"""Migration 0015's data work: seal the plaintext meeting content already in a database (and
open it again for the downgrade). Core only, with the tables as they are in that migration.

Every sealed column is the plaintext column's name plus ``_sealed``; the envelopes are the
same the ORM attributes make (hub/sealing/fields.py), with the same associated data.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection

from common.sealing.master_keys import KeyProvider
from hub.sealing.dead_letters import dead_letter_scope, room_of_topic
from hub.sealing.keys import MeetingKey, ensure_key, load_key

BATCH = 500
Row = Any  # a result row
Scope = Callable[[Row], tuple[str, str | None]]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | json | bytes
    type_: Any  # the plaintext column's SQL type (0006-0008)
    nullable: bool


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    scope_columns: tuple[str, ...]
    scope: Scope


def _session_and_room(row: Row) -> tuple[str, str | None]:
    return row.session_id, row.room_id


def _session_only(row: Row) -> tuple[str, str | None]:
    return row.session_id, None


def _voice(row: Row) -> tuple[str, str | None]:
    return row.session_id or f"voice:{row.device_id}:{row.utterance}", row.room_id


def _dead_letter(row: Row) -> tuple[str, str | None]:
    return row.key_scope, room_of_topic(row.topic)


TABLES = (
    Table(
        "transcript_segments",
        (Column("text", "text", sa.Text(), False),),
        ("session_id", "room_id"),
        _session_and_room,
    ),
    Table(
        "minutes_sessions",
        (Column("title", "text", sa.String(300), True),),
        ("session_id", "room_id"),
        _session_and_room,
    ),
    Table(
        "meeting_minutes",
        (
            Column("decisions", "json", sa.JSON(), False),
            Column("open_questions", "json", sa.JSON(), False),
        ),
        ("session_id", "room_id"),
        _session_and_room,
    ),
    Table(
        "action_items",
        (
            Column("task", "text", sa.Text(), False),
            Column("owner_name", "text", sa.String(200), True),
            Column("evidence", "json", sa.JSON(), False),
            Column("review", "json", sa.JSON(), False),
        ),
        ("session_id",),
        _session_only,
    ),
    Table(
        "action_item_deliveries",
        (Column("payload", "json", sa.JSON(), False),),
        ("session_id",),
        _session_only,
    ),
    Table(
        "voice_commands",
        (Column("slots", "json", sa.JSON(), False), Column("text", "text", sa.Text(), False)),
        ("session_id", "room_id", "device_id", "utterance"),
        _voice,
    ),
    Table(
        "dead_letters",
        (Column("payload", "bytes", sa.LargeBinary(), False),),
        ("key_scope", "topic"),
        _dead_letter,
    ),
)


def has_content(connection: Connection) -> bool:
    """Whether any table holds rows to convert (then a master key is needed)."""
    return any(
        connection.execute(sa.select(sa.literal(1)).select_from(sa.table(t.name)).limit(1)).first()
        is not None
        for t in TABLES
    )


def _encode(kind: str, value: Any) -> bytes:
    if kind == "text":
        return str(value).encode("utf-8")
    if kind == "json":
        return orjson.dumps(value)
    return bytes(value)


def _decode(kind: str, data: bytes) -> Any:
    if kind == "text":
        return data.decode("utf-8")
    if kind == "json":
        return orjson.loads(data)
    return data


class _Keys:
    def __init__(self, connection: Connection, master: KeyProvider) -> None:
        self._connection, self._master = connection, master
        self._keys: dict[str, MeetingKey] = {}

    def for_write(self, scope: str, room_id: str | None) -> MeetingKey:
        if scope not in self._keys:
            self._keys[scope] = ensure_key(self._connection, self._master, scope, room_id)
        return self._keys[scope]

    def for_read(self, scope: str) -> MeetingKey:
        if scope not in self._keys:
            key = load_key(self._connection, self._master, scope)
            if key is None:
                raise RuntimeError(f"meeting {scope} has no key: its rows cannot be opened")
            self._keys[scope] = key
        return self._keys[scope]


def _rows(connection: Connection, table: sa.TableClause, *columns: str) -> Iterator[Row]:
    """Every row, by id, a batch at a time (updates in between are fine)."""
    last = 0
    while True:
        batch = connection.execute(
            sa.select(table.c.id, *(table.c[c] for c in columns))
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].id


def seal_table(connection: Connection, master: KeyProvider, spec: Table) -> int:
    """Fill the ``_sealed`` columns from the plaintext ones; the number of rows."""
    plain = [sa.column(c.name, c.type_) for c in spec.columns]
    sealed = [sa.column(f"{c.name}_sealed", sa.LargeBinary()) for c in spec.columns]
    extra = [sa.column("key_scope", sa.String())] if spec.name == "dead_letters" else []
    table = sa.table(
        spec.name,
        sa.column("id"),
        *(sa.column(c) for c in spec.scope_columns if c != "key_scope"),
        *plain,
        *sealed,
        *extra,
    )
    keys = _Keys(connection, master)
    count = 0
    reads = [c for c in spec.scope_columns if c != "key_scope"] + [c.name for c in spec.columns]
    for row in _rows(connection, table, *reads):
        values: dict[str, Any] = {}
        if spec.name == "dead_letters":
            values["key_scope"] = dead_letter_scope(row.topic, bytes(row.payload))
            scope, room_id = values["key_scope"], room_of_topic(row.topic)
        else:
            scope, room_id = spec.scope(row)
        key = keys.for_write(scope, room_id)
        for column in spec.columns:
            value = getattr(row, column.name)
            field = f"{spec.name}.{column.name}"
            values[f"{column.name}_sealed"] = (
                None if value is None else key.seal(field, _encode(column.kind, value))
            )
        connection.execute(table.update().where(table.c.id == row.id).values(**values))
        count += 1
    return count


def open_table(connection: Connection, master: KeyProvider, spec: Table) -> int:
    """The downgrade: fill the plaintext columns from the ``_sealed`` ones."""
    plain = [sa.column(c.name, c.type_) for c in spec.columns]
    sealed = [sa.column(f"{c.name}_sealed", sa.LargeBinary()) for c in spec.columns]
    table = sa.table(
        spec.name, sa.column("id"), *(sa.column(c) for c in spec.scope_columns), *plain, *sealed
    )
    keys = _Keys(connection, master)
    count = 0
    reads = list(spec.scope_columns) + [f"{c.name}_sealed" for c in spec.columns]
    for row in _rows(connection, table, *reads):
        key = keys.for_read(spec.scope(row)[0])
        values: dict[str, Any] = {}
        for column in spec.columns:
            envelope = getattr(row, f"{column.name}_sealed")
            field = f"{spec.name}.{column.name}"
            values[column.name] = (
                None if envelope is None else _decode(column.kind, key.open(field, bytes(envelope)))
            )
        connection.execute(table.update().where(table.c.id == row.id).values(**values))
        count += 1
    return count
