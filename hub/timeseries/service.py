"""The exporter as a background thread of the hub, one exporting process at a time.

With several hub workers on one PostgreSQL database (docs/scaling.md) each worker runs
this thread, but only the one holding a PostgreSQL advisory lock exports; the others
stand by and try to take the lock every interval, so when the exporting worker stops or
dies (the server releases a dead session's lock) another one takes over from the durable
cursors. SQLite runs a single worker, so there is no lock.
"""

import contextlib
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from common.clock import Clock, SystemClock
from hub.ingest.ratelog import RateLimitedLog
from hub.settings import Settings
from hub.timeseries.cursors import Cursors, SqlCursors
from hub.timeseries.exporter import Exporter, ExporterStats
from hub.timeseries.sources import Source, default_sources
from hub.timeseries.writer import InfluxWriter, PointWriter

log = logging.getLogger(__name__)

# pg_advisory_lock key of the exporting worker ("QUORTS" in ASCII); startup uses "QUORUM".
EXPORT_LOCK_KEY = 0x51554F525453


class ExportLock(Protocol):
    def acquire(self) -> bool:
        """True if this process may export now (taking the lock if it can)."""
        ...

    def release(self) -> None: ...


class NoLock:
    """SQLite: one hub worker, nothing to coordinate."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class PostgresExportLock:
    """A session-level advisory lock held on a connection of its own while exporting.

    ``key`` and ``purpose`` let other one-worker-at-a-time jobs use it too (the Home Assistant
    bridge, hub/homeassistant/service.py).
    """

    def __init__(
        self, database_url: str, key: int = EXPORT_LOCK_KEY, purpose: str = "time-series export"
    ) -> None:
        self._key, self._purpose = key, purpose
        url = make_url(database_url)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        self._engine: Engine = create_engine(url, poolclass=NullPool)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            try:  # still ours as long as the session lives
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()
                return True
            except Exception:
                log.warning("lost the %s lock's connection; taking it again", self._purpose)
                self._drop()
        try:
            connection = self._engine.connect()
        except Exception as error:
            log.warning("cannot connect for the %s lock: %s", self._purpose, error)
            return False
        try:
            got = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
                ).scalar()
            )
            connection.commit()
        except Exception as error:
            log.warning("cannot take the %s lock: %s", self._purpose, error)
            connection.close()
            return False
        if not got:
            connection.close()
            return False
        log.info("this hub worker holds the %s lock", self._purpose)
        self._connection = connection
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
                )
                self._connection.commit()
            except Exception:
                log.debug("unlock failed; closing the session releases the lock anyway")
            self._drop()
        self._engine.dispose()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


def export_lock(
    database_url: str, key: int = EXPORT_LOCK_KEY, purpose: str = "time-series export"
) -> ExportLock:
    if make_url(database_url).get_backend_name() == "postgresql":
        return PostgresExportLock(database_url, key, purpose)
    return NoLock()


@dataclass(frozen=True)
class ServiceState:
    running: bool
    leader: bool
    url: str
    bucket: str
    interval_s: float
    stats: ExporterStats


class TimeSeriesService:
    """Runs exporter passes every ``interval_s`` (at once again while more rows are ready)."""

    def __init__(
        self,
        exporter: Exporter,
        *,
        writer: PointWriter,
        lock: ExportLock,
        interval_s: float,
        url: str = "",
        bucket: str = "",
        stop_event: threading.Event | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.exporter = exporter
        self._ratelog = RateLimitedLog(log, clock or SystemClock(), interval_s=60.0)
        self._writer = writer
        self._lock = lock
        self._interval_s = interval_s
        self._url, self._bucket = url, bucket
        self._stop = stop_event or threading.Event()
        self._thread: threading.Thread | None = None
        self._leader = False
        self._closed = False
        # Tests wait on this: set after every pass (or standby round).
        self.passed = threading.Condition()
        self.rounds = 0

    def start(self) -> None:
        if self._thread is not None or self._closed:
            return
        self._thread = threading.Thread(target=self._run, name="timeseries-exporter", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is None:  # never started: release what was built
            if not self._closed:
                self._closed = True
                self._lock.release()
                self._writer.close()
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("the time-series exporter did not stop within %.0f s", timeout)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                delay = self._interval_s
                try:
                    self._leader = self._lock.acquire()
                    if self._leader:
                        result = self.exporter.run_pass()
                        if result.error is None and not result.caught_up:
                            delay = 0.0
                except Exception as error:  # never let the thread die: the next round retries
                    # A database error, say: shown in the status and logged without flooding.
                    self.exporter.stats.last_error = f"exporter pass failed: {error!r}"
                    self._ratelog.warning("pass", "time-series exporter pass failed: %r", error)
                with self.passed:
                    self.rounds += 1
                    self.passed.notify_all()
                if delay:
                    self._stop.wait(delay)
        finally:
            self._leader = False
            self._closed = True
            self._lock.release()
            self._writer.close()

    def wait_rounds(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` more rounds have run (tests)."""
        with self.passed:
            target = self.rounds + count
            return self.passed.wait_for(lambda: self.rounds >= target, timeout)

    def state(self) -> ServiceState:
        return ServiceState(
            running=self._thread is not None and self._thread.is_alive(),
            leader=self._leader,
            url=self._url,
            bucket=self._bucket,
            interval_s=self._interval_s,
            stats=self.exporter.stats,
        )


def build_exporter(
    settings: Settings,
    session_factory: sessionmaker[Session],
    clock: Clock,
    *,
    stop_event: threading.Event | None = None,
    cursors: Cursors | None = None,
    sources: list[Source] | None = None,
) -> tuple[Exporter, InfluxWriter]:
    """The exporter and its writer, from ``QUORUM_TIMESERIES_*`` settings."""
    stop = stop_event or threading.Event()
    writer = InfluxWriter(
        url=settings.timeseries_url,
        token=settings.timeseries_token.get_secret_value() if settings.timeseries_token else None,
        org=settings.timeseries_org,
        bucket=settings.timeseries_bucket,
        clock=clock,
        wait=stop.wait,
        timeout_s=settings.timeseries_timeout_s,
        max_retries=settings.timeseries_max_retries,
        retry_limit_s=settings.timeseries_retry_limit_s,
        retry_interval_s=min(1.0, max(settings.timeseries_retry_limit_s / 8, 0.05)),
    )
    exporter = Exporter(
        session_factory,
        writer,
        sources=sources if sources is not None else default_sources(),
        cursors=cursors if cursors is not None else SqlCursors(),
        clock=clock,
        batch_size=settings.timeseries_batch_size,
        settle=timedelta(seconds=settings.timeseries_settle_s),
        server=f"the time-series server at {settings.timeseries_url}",
    )
    return exporter, writer


def build_service(
    settings: Settings, session_factory: sessionmaker[Session], clock: Clock
) -> TimeSeriesService | None:
    """The background exporter, or None when ``QUORUM_TIMESERIES_URL`` is empty."""
    if not settings.timeseries_url:
        return None
    stop = threading.Event()
    exporter, writer = build_exporter(settings, session_factory, clock, stop_event=stop)
    return TimeSeriesService(
        exporter,
        writer=writer,
        lock=export_lock(settings.database_url),
        interval_s=settings.timeseries_flush_interval_s,
        url=settings.timeseries_url,
        bucket=settings.timeseries_bucket,
        stop_event=stop,
        clock=clock,
    )
