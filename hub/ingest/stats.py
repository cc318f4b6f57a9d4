"""Counters the API shows about ingest, and the thread-safe tally behind them."""

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class IngestStats:
    """A snapshot of ingest counters since the service started.

    Every received message ends up in exactly one of ``stored``, ``duplicates``
    or ``dead_letters`` once it has left the queue. ``stored`` counts ledger
    rows written plus status messages applied; ``duplicates`` counts messages
    dropped because they were already stored, or superseded (a status from an
    older boot than the device's current one).
    """

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    dead_letters_by_reason: dict[str, int] = field(default_factory=dict)
    queue_depth: int = 0
    connected: bool = False
    last_commit_at: datetime | None = None
    # Replays of missing sequence ranges this hub asked terminals for.
    replays_requested: int = 0


class StatsTally:
    """Written by the writer thread (and the paho thread for ``received``), read by the API."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received = 0
        self._stored = 0
        self._duplicates = 0
        self._dead: Counter[str] = Counter()
        self._last_commit_at: datetime | None = None
        self._replays_requested = 0

    def count_replay_requested(self) -> None:
        with self._lock:
            self._replays_requested += 1

    def count_received(self) -> None:
        with self._lock:
            self._received += 1

    def count_committed(
        self, *, stored: int, duplicates: int, dead: Counter[str], at: datetime
    ) -> None:
        with self._lock:
            self._stored += stored
            self._duplicates += duplicates
            self._dead.update(dead)
            self._last_commit_at = at

    def snapshot(self, *, queue_depth: int, connected: bool) -> IngestStats:
        with self._lock:
            return IngestStats(
                received=self._received,
                stored=self._stored,
                duplicates=self._duplicates,
                dead_letters=sum(self._dead.values()),
                dead_letters_by_reason=dict(self._dead),
                queue_depth=queue_depth,
                connected=connected,
                last_commit_at=self._last_commit_at,
                replays_requested=self._replays_requested,
            )
