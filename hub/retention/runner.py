"""The retention job as a background loop of the hub.

It looks every ``tick_s`` (at most an hour; the first look one tick after start, so a hub
that lives for seconds deletes nothing) whether the last run in ``retention_runs`` is
``interval`` old, and if so runs (hub.retention.run) at the clock's ``now``. A restart does
not make it run again early, and a hub that was down catches up at its first look. With
several hub workers on PostgreSQL a transaction-level advisory lock lets one run at a time.
"""

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.loops import Loop, take_loop_lock
from hub.retention.run import Periods, RetentionReport, after_commit, last_run, periods_from
from hub.retention.run import run_retention as run_once
from hub.settings import Settings

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key of the retention job ("QRETN" in ASCII).
RETENTION_LOCK_KEY = 0x515245544E
MAX_TICK_S = 3600.0


class Busy(RuntimeError):
    """Another hub worker is running the retention job right now."""


def run_locked(
    factory: sessionmaker[Session],
    clock: Clock,
    periods: Periods,
    *,
    dry_run: bool = False,
    unless_ran_within: timedelta | None = None,
) -> RetentionReport | None:
    """One run in its own transaction, under the lock; raises :class:`Busy` without it.
    With ``unless_ran_within``: None, and nothing done, when a run that recent is logged
    (looked at under the lock, so two workers that both found the job due run it once)."""
    with factory() as session:  # closing it rolls back whatever an exception left
        if not take_loop_lock(session, RETENTION_LOCK_KEY):
            raise Busy("another hub worker is running the retention job")
        now = clock.now()
        last = last_run(session)
        if unless_ran_within is not None and last is not None and now - last < unless_ran_within:
            return None
        report = run_once(session, now, periods, dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
        after_commit(session, report)
    return report


class RetentionRunner:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        clock: Clock,
        periods: Periods,
        interval: timedelta,
        tick_s: float | None = None,
    ) -> None:
        self._factory = session_factory
        self._clock = clock
        self._periods = periods
        self._interval = interval
        tick = tick_s if tick_s is not None else min(MAX_TICK_S, interval.total_seconds())
        self._loop = Loop("retention", self._round, tick, wait_first=True)

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def tick(self) -> RetentionReport | None:
        """One look: run if the last run is ``interval`` old; the report, or None."""
        try:
            report = run_locked(
                self._factory, self._clock, self._periods, unless_ran_within=self._interval
            )
        except Busy:
            return None
        if report is None:
            return None
        expired = {c.name: c.expired for c in report.classes if c.expired}
        log.info("retention: %d expired rows deleted %s", report.total, expired)
        return report

    def _round(self) -> None:
        self.tick()


def retention_runner(
    settings: Settings, session_factory: sessionmaker[Session], clock: Clock
) -> RetentionRunner | None:
    """The loop, or None when turned off (``QUORUM_RETENTION_ENABLED=false``)."""
    if not settings.retention_enabled:
        return None
    return RetentionRunner(
        session_factory=session_factory,
        clock=clock,
        periods=periods_from(settings),
        interval=timedelta(hours=settings.retention_interval_h),
    )
