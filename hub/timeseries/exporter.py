"""One exporter pass: for every source, read rows after its cursor, write them, and move
the cursor only once the server has accepted them.

The SQL store is the buffer: nothing is queued in memory, so a server that is down for
hours, or a hub restart, costs nothing but a backfill when it is back. The read
transaction is closed before the HTTP write, so no database lock or snapshot is held
while the server is slow.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.db.models import TimeSeriesCursor
from hub.ingest.ratelog import RateLimitedLog
from hub.timeseries.cursors import Cursors
from hub.timeseries.org import OrgIndex
from hub.timeseries.sources import Behind, ReadContext, Source
from hub.timeseries.writer import PointWriter, WriteFailed

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    points: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    caught_up: bool = True  # every source read everything that was ready
    error: str | None = None


@dataclass(frozen=True)
class SourceStatus:
    name: str
    cursor: int
    cursor_updated_at: datetime | None
    behind_rows: int | None
    behind_seconds: float | None


@dataclass
class ExporterStats:
    points_written: int = 0
    passes: int = 0
    last_pass_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0


class Exporter:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        writer: PointWriter,
        *,
        sources: Sequence[Source],
        cursors: Cursors,
        clock: Clock,
        batch_size: int = 1000,
        settle: timedelta = timedelta(hours=1),
        reads_per_pass: int = 100,
        server: str = "the time-series server",
    ) -> None:
        self._session_factory = session_factory
        self._writer = writer
        self.sources = list(sources)
        self.cursors = cursors
        self._clock = clock
        self._batch_size = batch_size
        self._settle = settle
        self._reads_per_pass = reads_per_pass
        self._server = server
        self.stats = ExporterStats()
        self._ratelog = RateLimitedLog(log, clock, interval_s=60.0)

    def _context(self, session: Session) -> ReadContext:
        return ReadContext(
            now=self._clock.now(),
            monotonic=self._clock.monotonic(),
            org=OrgIndex.load(session),
            batch_size=self._batch_size,
            settle=self._settle,
        )

    def run_pass(self) -> PassResult:
        """Write what is ready, source by source; stops at the first write the server refuses."""
        result = PassResult()
        now = self._clock.now()
        self.stats.passes += 1
        self.stats.last_pass_at = now
        with self._session_factory() as session:
            ctx = self._context(session)
        try:
            for source in self.sources:
                written, done = self._drain(source, ctx)
                result.by_source[source.name] = written
                result.points += written
                result.caught_up = result.caught_up and done
        except WriteFailed as error:
            result.error, result.caught_up = str(error), False
            self._failed(str(error))
            return result
        if self.stats.consecutive_failures:
            log.info(
                "%s accepts points again after %d failed attempt(s); backfilled %d points",
                self._server,
                self.stats.consecutive_failures,
                result.points,
            )
        self.stats.consecutive_failures = 0
        self.stats.last_success_at = now
        return result

    def _drain(self, source: Source, ctx: ReadContext) -> tuple[int, bool]:
        written = 0
        for _ in range(self._reads_per_pass):
            with self._session_factory() as session:
                cursor = self.cursors.get(session, source.name)
                batch = source.read(session, cursor, ctx)
            for start in range(0, len(batch.points), self._batch_size):
                self._writer.write(batch.points[start : start + self._batch_size])
                written += min(self._batch_size, len(batch.points) - start)
                self.stats.points_written += min(self._batch_size, len(batch.points) - start)
            if batch.on_accepted is not None:
                batch.on_accepted()
            with self._session_factory() as session:
                moved = self.cursors.advance(session, source.name, cursor, batch.cursor, ctx.now)
            if not moved:
                log.warning(
                    "time-series cursor %r was moved by another process; "
                    "is a second exporter running? (docs/timeseries.md)",
                    source.name,
                )
                return written, True
            if not batch.more:
                return written, True
        return written, False

    def _failed(self, message: str) -> None:
        self.stats.consecutive_failures += 1
        self.stats.last_error = message
        self.stats.last_error_at = self._clock.now()
        self._ratelog.warning(
            "unreachable",
            "%s; the points stay in the SQL store and are written when it is back",
            message,
        )

    def catch_up(self, max_passes: int = 1_000_000) -> PassResult:
        """Passes until every source is caught up (the CLI's backfill); stops at an error."""
        total = PassResult()
        for _ in range(max_passes):
            result = self.run_pass()
            total.points += result.points
            for name, count in result.by_source.items():
                total.by_source[name] = total.by_source.get(name, 0) + count
            if result.error is not None or result.caught_up:
                total.error, total.caught_up = result.error, result.caught_up
                return total
        total.caught_up = False
        return total

    def source_status(self, session: Session) -> list[SourceStatus]:
        ctx = self._context(session)
        updated = {
            name: at
            for name, at in session.execute(
                select(TimeSeriesCursor.name, TimeSeriesCursor.updated_at)
            )
        }
        out = []
        for source in self.sources:
            cursor = self.cursors.get(session, source.name)
            behind: Behind = source.behind(session, cursor, ctx)
            out.append(
                SourceStatus(
                    source.name, cursor, updated.get(source.name), behind.rows, behind.seconds
                )
            )
        return out
