"""The terminal's outbox on disk: every sequenced message waits here until the hub confirms it.

A QoS 1 PUBACK only says the broker took a message; the broker can still lose it on the
way to the hub (a full subscriber queue, a broker killed with its queues in memory), and
paho keeps unsent messages in memory only. So each message is committed here *before*
it is published and deleted only when the hub's watermark for its boot covers it.

SQLite in WAL mode, ``synchronous=FULL``: a Raspberry Pi's usual way to die is losing power,
and in WAL mode ``NORMAL`` may roll back the last commits on power loss. Messages arrive a
few per minute (bursts of tens), so an fsync per commit is affordable; losing a transcript
that the terminal believed it had kept is not.

The spool is bounded (messages and payload bytes). When full, old messages of the droppable
classes go first, in :data:`DROP_ORDER`; speech and gap reports are never dropped: they are
accepted over the bound and counted as alarms. Counters live in the file, so a restart does
not forget what was given up. Speech (and unknown) messages are sealed with the spool key
before they are written and opened when read (edge/spool_sealing.py). See docs/spool.md.
"""

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import orjson

from common.sealing.envelope import SealError
from contract.topics import TopicError, parse_topic
from edge.seqranges import SeqSpan
from edge.spool_sealing import SpoolSealer, adopt_key, default_key_file

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # 2: outbox.sealed and the meta table (the spool key's id)
# When full, drop down to this share of the bound: one spool_gap report per batch of drops,
# not one per new message.
LOW_WATER = 0.9
# How many boots' watermarks to remember once their messages are gone.
KEEP_BOOTS = 100


class MessageClass(StrEnum):
    HEARTBEAT = "heartbeat"
    SENSOR = "sensor"  # events/<kind>: raw sensor transitions and other events
    OCCUPANCY = "occupancy"
    SPEECH = "speech"  # transcripts, minutes, intents, action items
    SPOOL_GAP = "spool_gap"  # the terminal's own report of what it gave up
    OTHER = "other"  # anything new: kept, like speech, until someone decides otherwise


#: Kept sealed in the file: what was said in the room, and anything not known to be harmless.
SEALED_CLASSES = frozenset({MessageClass.SPEECH, MessageClass.OTHER})

#: Dropped first to last when the spool is full; a class not listed is never dropped.
DROP_ORDER: tuple[MessageClass, ...] = (
    MessageClass.HEARTBEAT,  # a snapshot the next heartbeat repeats
    MessageClass.SENSOR,  # explanations; the occupancy they led to is kept longer
    MessageClass.OCCUPANCY,  # facts, but a later change or heartbeat supersedes them
)


def classify(topic: str) -> MessageClass:
    """The class of a terminal message, from its topic's channel (and kind)."""
    try:
        parts = parse_topic(topic)
    except TopicError:
        return MessageClass.OTHER
    if parts.channel == "events":
        # A software update's outcome (edge/update), a pushed configuration's (edge/config_apply):
        # never dropped.
        if parts.kind in ("update", "config"):
            return MessageClass.OTHER
        return MessageClass.SPOOL_GAP if parts.kind == "spool_gap" else MessageClass.SENSOR
    try:
        return MessageClass(parts.channel)
    except ValueError:
        return MessageClass.OTHER


@dataclass(frozen=True)
class SpooledMessage:
    id: int  # insertion order: the order messages are (re)published in
    boot: str
    seq: int
    topic: str
    payload: bytes
    qos: int
    retain: bool
    cls: MessageClass
    attempts: int
    sent_at: float | None  # when the broker last acknowledged it (None: not since last publish)


@dataclass(frozen=True)
class Backoff:
    """How long after the broker's ack to publish again: ``base``, doubling per attempt."""

    base: float
    cap: float


@dataclass(frozen=True)
class Added:
    id: int
    dropped: list[tuple[str, int]]  # (boot, seq) given up to make room
    alarm: bool  # a never-droppable message kept although the spool is over its bound


@dataclass(frozen=True)
class SpoolStats:
    pending: int  # messages waiting for the hub's confirmation
    unsent: int  # of those, not acknowledged by the broker since they were last published
    payload_bytes: int
    # The bounds (config ``spool.max_messages``, ``spool.max_mb``), for the heartbeat's fill.
    max_messages: int
    max_bytes: int
    dropped: dict[str, int] = field(default_factory=dict)  # by class, over the file's life
    alarms: int = 0  # never-droppable messages kept over the bound

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


@dataclass(frozen=True)
class BootMarks:
    last_seq: int  # the highest seq of that boot ever spooled
    acked_through: int  # the hub's watermark for that boot


class SpoolLocked(RuntimeError):
    """Another process has the spool open."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: ids keep insertion order
    boot TEXT NOT NULL,
    seq INTEGER NOT NULL,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    cls TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at REAL NOT NULL,
    tried_at REAL NOT NULL,  -- last publish
    sent_at REAL,  -- broker's ack of the last publish
    due_at REAL NOT NULL,  -- when to publish again if the hub has not confirmed it
    attempts INTEGER NOT NULL DEFAULT 1,
    sealed INTEGER NOT NULL DEFAULT 0,  -- payload is an envelope (edge/spool_sealing.py)
    UNIQUE (boot, seq)
);
CREATE INDEX IF NOT EXISTS outbox_by_class ON outbox (cls, id);
CREATE INDEX IF NOT EXISTS outbox_by_due ON outbox (due_at);
CREATE TABLE IF NOT EXISTS boots (
    boot TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL DEFAULT 0,
    acked_through INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_COLUMNS = "id, boot, seq, topic, payload, qos, retain, cls, attempts, sent_at, sealed"


class Spool:
    """Thread-safe: the agent adds, paho's acks and the hub's commands arrive on other threads."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_messages: int = 50_000,
        max_bytes: int = 64 * 1024 * 1024,
        now: Callable[[], float] = time.time,
        sealer: SpoolSealer | None = None,
    ) -> None:
        """``sealer``: None reads (or makes) the key file next to the spool."""
        if max_messages < 1 or max_bytes < 1:
            raise ValueError("the spool needs room for at least one message")
        self.path = Path(path)
        self._sealer = sealer or SpoolSealer.from_file(default_key_file(self.path))
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self._now = now
        self._lock = threading.Lock()
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Owner only: the spool will hold transcripts. SQLite gives its -wal and -shm files
        # the database file's permissions.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self._lockfile = _lock_exclusively(self.path.with_name(self.path.name + ".lock"))
        self._closed = False
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            # Deleted rows are zeroed, not left in free pages: once the hub has a transcript
            # (or a meeting is deleted), its text is gone from the terminal's disk too.
            self._db.execute("PRAGMA secure_delete=ON")
            self._migrate()
            self._count, self._bytes = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox"
            ).fetchone()
        except BaseException:
            self._lockfile.close()
            raise

    # -- writing ---------------------------------------------------------------

    def add(
        self,
        *,
        boot: str,
        seq: int,
        topic: str,
        payload: bytes,
        qos: int,
        retain: bool,
        cls: MessageClass,
        due_at: float,
    ) -> Added:
        """Commit one message (before it is published), making room first if the spool is full."""
        size = len(payload)
        now = self._now()
        with self._lock, self._transaction() as db:
            dropped: list[tuple[str, int]] = []
            if self._count + 1 > self.max_messages or self._bytes + size > self.max_bytes:
                dropped = self._make_room(db, size)
            over = self._count + 1 > self.max_messages or self._bytes + size > self.max_bytes
            # A droppable message over the bound is simply the first to go next time.
            alarm = over and cls not in DROP_ORDER
            if alarm:
                _bump(db, "alarms", 1)
            sealed = cls in SEALED_CLASSES
            if sealed:
                payload = self._sealer.seal(boot, seq, topic, payload)
            cursor = db.execute(
                "INSERT INTO outbox (boot, seq, topic, payload, qos, retain, cls, size,"
                " created_at, tried_at, due_at, sealed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    boot,
                    seq,
                    topic,
                    payload,
                    qos,
                    int(retain),
                    cls.value,
                    size,
                    now,
                    now,
                    due_at,
                    int(sealed),
                ),
            )
            db.execute(
                "INSERT INTO boots (boot, last_seq) VALUES (?, ?) ON CONFLICT (boot)"
                " DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)",
                (boot, seq),
            )
            self._count += 1
            self._bytes += size
            assert cursor.lastrowid is not None
            return Added(cursor.lastrowid, dropped, alarm)

    def mark_sent(self, sent: Sequence[tuple[int, float]], backoff: Backoff) -> None:
        """The broker acknowledged these ``(id, when)``; schedule the next try by ``backoff``."""
        if not sent:
            return
        with self._lock, self._transaction() as db:
            db.executemany(
                "UPDATE outbox SET sent_at = :at,"
                " due_at = :at + min(:base * (1 << min(attempts - 1, 30)), :cap) WHERE id = :id",
                [{"id": i, "at": at, "base": backoff.base, "cap": backoff.cap} for i, at in sent],
            )

    def republished(self, ids: Sequence[int], due_at: float) -> None:
        """These were published again: not sent until the broker says so."""
        if not ids:
            return
        now = self._now()
        with self._lock, self._transaction() as db:
            db.executemany(
                "UPDATE outbox SET attempts = attempts + 1, tried_at = ?, sent_at = NULL,"
                " due_at = ? WHERE id = ?",
                [(now, due_at, i) for i in ids],
            )

    def defer_unsent(self, until: float) -> None:
        """After a reconnect paho re-sends what the broker never acknowledged: give it time."""
        with self._lock, self._transaction() as db:
            db.execute(
                "UPDATE outbox SET due_at = ? WHERE sent_at IS NULL AND due_at < ?", (until, until)
            )

    def confirm(self, boot: str, through_seq: int) -> int:
        """The hub committed ``boot``'s seqs 1..through_seq: forget them. Returns how many."""
        with self._lock, self._transaction() as db:
            count, size = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox WHERE boot = ? AND seq <= ?",
                (boot, through_seq),
            ).fetchone()
            db.execute("DELETE FROM outbox WHERE boot = ? AND seq <= ?", (boot, through_seq))
            db.execute(
                "INSERT INTO boots (boot, acked_through) VALUES (?, ?) ON CONFLICT (boot)"
                " DO UPDATE SET acked_through = max(acked_through, excluded.acked_through)",
                (boot, through_seq),
            )
            self._count -= count
            self._bytes -= size
            return int(count)

    def purge_session(self, session_id: str) -> int:
        """Forget every unconfirmed speech message of minutes session ``session_id`` (its
        transcript, minutes and session messages): the hub asked to delete it. Returns how many.

        Their seqs become a gap like any message the spool no longer holds: a ``replay`` of
        them is answered with ``spool_gap`` ``not_in_spool``, so the hub stops waiting.
        """
        with self._lock, self._transaction() as db:
            rows = db.execute(
                "SELECT id, boot, seq, topic, payload, sealed, size FROM outbox WHERE cls = ?",
                (MessageClass.SPEECH.value,),
            ).fetchall()
            victims = [
                (row_id, size)
                for row_id, boot, seq, topic, payload, sealed, size in rows
                if _session_of(self._plain(boot, seq, topic, payload, sealed)) == session_id
            ]
            db.executemany("DELETE FROM outbox WHERE id = ?", [(v,) for v, _ in victims])
            self._count -= len(victims)
            self._bytes -= sum(size for _, size in victims)
        # The write-ahead log still holds the pages as they were: fold it in and empty it.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(victims)

    # -- reading ---------------------------------------------------------------

    def unconfirmed(self, sent_before: float | None = None) -> list[SpooledMessage]:
        """Everything the hub has not confirmed, in spool order; with ``sent_before``, only
        what the broker acknowledged before that time (and not published since)."""
        if sent_before is None:
            return self._select("ORDER BY id", ())
        return self._select("WHERE sent_at IS NOT NULL AND sent_at < ? ORDER BY id", (sent_before,))

    def due(self, now: float, limit: int) -> list[SpooledMessage]:
        """Messages whose time to be published again has come, oldest first."""
        return self._select("WHERE due_at <= ? ORDER BY id LIMIT ?", (now, limit))

    def get(self, boot: str, spans: Iterable[SeqSpan]) -> list[SpooledMessage]:
        """The spooled messages of ``boot`` within ``spans``, in seq order."""
        found: dict[int, SpooledMessage] = {}
        for first, last in spans:
            for message in self._select(
                "WHERE boot = ? AND seq BETWEEN ? AND ?", (boot, first, last)
            ):
                found[message.id] = message
        return sorted(found.values(), key=lambda m: m.seq)

    def boot_marks(self, boot: str) -> BootMarks | None:
        """What the spool knows of a boot, or None for a boot it never had."""
        with self._lock:
            row = self._db.execute(
                "SELECT last_seq, acked_through FROM boots WHERE boot = ?", (boot,)
            ).fetchone()
        return BootMarks(*row) if row else None

    def stats(self) -> SpoolStats:
        with self._lock:
            (unsent,) = self._db.execute(
                "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"
            ).fetchone()
            counters = dict(self._db.execute("SELECT name, value FROM counters").fetchall())
        dropped = {
            name.removeprefix("dropped."): value
            for name, value in counters.items()
            if name.startswith("dropped.")
        }
        return SpoolStats(
            pending=self._count,
            unsent=unsent,
            payload_bytes=self._bytes,
            max_messages=self.max_messages,
            max_bytes=self.max_bytes,
            dropped=dropped,
            alarms=counters.get("alarms", 0),
        )

    @property
    def pending(self) -> int:
        return self._count

    def close(self) -> None:
        """Checkpoint the WAL into the database file and let go of the file."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()
                self._lockfile.close()

    # -- internals -------------------------------------------------------------

    def _make_room(self, db: sqlite3.Connection, size: int) -> list[tuple[str, int]]:
        # Drop to the low-water mark, not just one message: fewer, bigger gap reports.
        keep_count = max(0, min(self.max_messages - 1, int(self.max_messages * LOW_WATER) - 1))
        keep_bytes = min(self.max_bytes, int(self.max_bytes * LOW_WATER)) - size
        dropped: list[tuple[str, int]] = []
        for cls in DROP_ORDER:
            while self._count > keep_count or self._bytes > keep_bytes:
                rows = db.execute(
                    "SELECT id, boot, seq, size FROM outbox WHERE cls = ? ORDER BY id LIMIT 500",
                    (cls.value,),
                ).fetchall()
                if not rows:
                    break
                victims = []
                for row_id, boot, seq, row_size in rows:
                    if self._count <= keep_count and self._bytes <= keep_bytes:
                        break
                    victims.append(row_id)
                    dropped.append((boot, seq))
                    self._count -= 1
                    self._bytes -= row_size
                db.executemany("DELETE FROM outbox WHERE id = ?", [(v,) for v in victims])
                _bump(db, f"dropped.{cls.value}", len(victims))
        return dropped

    def _plain(self, boot: str, seq: int, topic: str, payload: bytes, sealed: int) -> bytes | None:
        """The payload as published; None (logged) for a sealed one that does not open."""
        if not sealed:
            return bytes(payload)
        try:
            return self._sealer.open(boot, seq, topic, bytes(payload))
        except SealError as error:
            log.error("spool: %s seq %d of boot %s cannot be opened: %s", topic, seq, boot, error)
            return None

    def _select(self, clause: str, params: tuple[Any, ...]) -> list[SpooledMessage]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM outbox {clause}", params).fetchall()
        found = []
        for r in rows:
            # A record that does not open stays in the file and is left out here: for the
            # hub it is a message the spool does not hold (a gap), not a reason to stop.
            payload = self._plain(r[1], r[2], r[3], r[4], r[10])
            if payload is not None:
                found.append(
                    SpooledMessage(
                        id=r[0],
                        boot=r[1],
                        seq=r[2],
                        topic=r[3],
                        payload=payload,
                        qos=r[5],
                        retain=bool(r[6]),
                        cls=MessageClass(r[7]),
                        attempts=r[8],
                        sent_at=r[9],
                    )
                )
        return found

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise sqlite3.ProgrammingError("the spool is closed")
        # IMMEDIATE: take the write lock at once, so a transaction never fails half-way.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"spool {self.path} has schema {version}; this terminal knows {SCHEMA_VERSION}"
            )
        if version == 1:  # before sealing: its speech is sealed below
            self._db.execute("ALTER TABLE outbox ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0")
        self._db.executescript(_SCHEMA)
        with self._transaction() as db:
            converted = adopt_key(db, self._sealer, [c.value for c in SEALED_CLASSES])
        if converted:
            # The old pages held the text: fold the WAL in and empty it (secure_delete
            # zeroed the overwritten cells).
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            log.info("spool: sealed %d messages kept from before sealing", converted)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        # Forget watermarks of old boots that have nothing left in the outbox.
        self._db.execute(
            "DELETE FROM boots WHERE boot NOT IN (SELECT DISTINCT boot FROM outbox)"
            " AND boot NOT IN (SELECT boot FROM boots ORDER BY boot DESC LIMIT ?)",
            (KEEP_BOOTS,),
        )


# What a session's delete purges: not an earlier answer to a delete (``minutes_deleted``).
_SESSION_TYPES = frozenset({"transcript", "minutes", "minutes_session"})


def _session_of(payload: bytes | None) -> str | None:
    """``data.session`` of a spooled transcript, minutes or minutes_session message, or None."""
    if payload is None:
        return None
    try:
        envelope = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(envelope, dict) or envelope.get("type") not in _SESSION_TYPES:
        return None
    data = envelope.get("data")
    session = data.get("session") if isinstance(data, dict) else None
    return session if isinstance(session, str) else None


def _bump(db: sqlite3.Connection, name: str, by: int) -> None:
    db.execute(
        "INSERT INTO counters (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        (name, by),
    )


def _lock_exclusively(path: Path) -> IO[bytes]:
    """One process per spool: two would re-publish each other's messages."""
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SpoolLocked(f"spool {path.with_suffix('')} is in use by another process") from None
    return handle
