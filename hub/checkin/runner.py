"""The hub's bookings loop: look at the bookings, then deliver notices; a thread of its own.

It wakes every ``tick_s`` seconds, or sooner when a grace period or an empty stretch is
due to end, so a no-show is released at its deadline, not up to a tick later. With
several hub workers on PostgreSQL (docs/scaling.md) every worker runs the loop, but a
transaction-level advisory lock lets only one of them look at a time; on SQLite there is
one worker.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.checkin.engine import run_once
from hub.checkin.notify import MqttPublisher, WebhookPoster, deliver_pending
from hub.checkin.policy import CheckInPolicy
from hub.live import LiveFeed
from hub.loops import Loop, take_loop_lock

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key of the bookings loop ("QBOOK" in ASCII).
LOOP_LOCK_KEY = 0x51424F4F4B
MIN_WAIT_S = 0.05

# Extra periodic work of the loop (materializing recurring bookings further ahead,
# refreshing analytics rollups): called with (session, now), in a transaction of its own.
Job = Callable[[Session, datetime], object]


class BookingsRunner:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        clock: Clock,
        policy: CheckInPolicy,
        live: LiveFeed,
        publish: MqttPublisher | None,
        post: WebhookPoster,
        tick_s: float = 5.0,
        jobs: list[tuple[Job, timedelta]] | None = None,
        rounds: list[Callable[[], object]] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._policy = policy
        self._live = live
        self._publish = publish
        self._post = post
        self._jobs = list(jobs or [])
        # Work with its own transactions and locking, run after each tick (the minutes).
        self._rounds = list(rounds or [])
        self._job_runs: dict[int, datetime] = {}
        self._loop = Loop("bookings", self._round, tick_s)

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def tick(self) -> datetime | None:
        """One look at the bookings and one delivery round; the next deadline, if any."""
        now = self._clock.now()
        next_check = None
        with self._session_factory() as session, session.begin():
            if not _take_loop_lock(session):
                return None  # another worker is looking right now
            report = run_once(session, now, self._policy)
            next_check = report.next_check
            events = report.live_events()
        for event in events:
            self._live.publish(event)
        self._run_jobs(now)
        with self._session_factory() as session, session.begin():
            deliver_pending(session, self._clock.now(), publish=self._publish, post=self._post)
        for work in self._rounds:
            try:
                work()
            except Exception:
                log.exception("bookings loop: %s failed", getattr(work, "__qualname__", work))
        return next_check

    def _run_jobs(self, now: datetime) -> None:
        """Each due job in a transaction of its own (a slow one must not hold up decisions)."""
        for index, (job, every) in enumerate(self._jobs):
            last = self._job_runs.get(index)
            if last is not None and now - last < every:
                continue
            try:
                with self._session_factory() as session, session.begin():
                    if not _take_loop_lock(session):
                        continue  # another worker is at it; try again next tick
                    job(session, now)
            except Exception:
                log.exception("bookings job %s failed", getattr(job, "__name__", job))
            self._job_runs[index] = now

    def _round(self) -> float | None:
        next_check = self.tick()
        if next_check is None:
            return None
        return max(MIN_WAIT_S, (next_check - self._clock.now()).total_seconds())


def _take_loop_lock(session: Session) -> bool:
    return take_loop_lock(session, LOOP_LOCK_KEY)
