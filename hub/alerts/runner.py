"""The alerts loop: gather facts, evaluate the rules, reconcile, write; a thread of its own.

Every ``interval_s`` seconds (and once at start) one evaluation runs in one transaction,
so the alerts, their notices and the hold-down marks are committed together; live events
are published after the commit. With several hub workers on PostgreSQL a
transaction-level advisory lock lets one of them evaluate at a time (the others skip that
round); the partial unique index on open alerts would refuse a second open alert anyway.
"""

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.alerts.config import AlertConfig, config_from
from hub.alerts.evaluate import evaluate
from hub.alerts.gather import gather
from hub.alerts.reconcile import reconcile
from hub.alerts.store import apply_plan, open_alerts
from hub.live import LiveFeed
from hub.loops import Loop, take_loop_lock
from hub.settings import Settings

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key of the alerts loop ("QALRT" in ASCII).
LOOP_LOCK_KEY = 0x51414C5254


@dataclass(frozen=True)
class RoundReport:
    opened: int = 0
    touched: int = 0
    clearing: int = 0
    resolved: int = 0


class AlertsRunner:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        clock: Clock,
        config: AlertConfig,
        live: LiveFeed,
        interval_s: float = 60.0,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._config = config
        self._live = live
        self._loop = Loop("alerts", self._round, interval_s)

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def tick(self) -> RoundReport | None:
        """One evaluation; None when another worker is evaluating right now."""
        now = self._clock.now()
        with self._session_factory() as session, session.begin():
            if not _take_loop_lock(session):
                return None
            facts = gather(session, now, self._config)
            findings = evaluate(facts, now, self._config)
            plan = reconcile(open_alerts(session), findings, now, self._config.hold_down)
            events = apply_plan(session, plan, now)
        for event in events:
            self._live.publish(event)
        return RoundReport(
            len(plan.opened), len(plan.touched), len(plan.clearing), len(plan.resolved)
        )

    def _round(self) -> None:
        self.tick()


def _take_loop_lock(session: Session) -> bool:
    return take_loop_lock(session, LOOP_LOCK_KEY)


def alerts_runner(
    settings: Settings, session_factory: sessionmaker[Session], clock: Clock, live: LiveFeed
) -> AlertsRunner | None:
    """The loop, or None when turned off (``QUORUM_ALERTS_ENABLED=false``)."""
    if not settings.alerts_enabled:
        return None
    return AlertsRunner(
        session_factory=session_factory,
        clock=clock,
        config=config_from(settings),
        live=live,
        interval_s=settings.alerts_interval_s,
    )
