"""The rollout loop of ``hub serve``: one round every ``QUORUM_ROLLOUTS_TICK_S`` seconds.

It needs the ingest service's broker connection to send commands, so a hub worker without
ingest runs no rollouts. With several workers on PostgreSQL an advisory lock lets one of
them run a round at a time.
"""

import logging

from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.loops import Loop, take_loop_lock
from hub.releases.round import RoundResult, Send, run_round
from hub.settings import Settings

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key of the rollout loop ("QROLL" in ASCII).
LOOP_LOCK_KEY = 0x51524F4C4C


class RolloutsRunner:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        clock: Clock,
        send: Send,
        releases_url: str,
        interval_s: float,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._send = send
        self._releases_url = releases_url
        self._loop = Loop("rollouts", self.tick, interval_s)

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def tick(self) -> None:
        self.run_once()

    def run_once(self) -> RoundResult | None:
        """One round; None when another worker runs one right now."""
        with self._session_factory() as session, session.begin():
            if not take_loop_lock(session, LOOP_LOCK_KEY):
                return None
            return run_round(session, self._clock.now(), self._send, self._releases_url)


def releases_url(settings: Settings) -> str:
    """The hub as terminals reach it: QUORUM_RELEASES_URL, else its own host and port."""
    return settings.releases_url or f"http://{settings.host}:{settings.port}"


def rollouts_runner(
    settings: Settings, session_factory: sessionmaker[Session], clock: Clock, send: Send | None
) -> RolloutsRunner | None:
    if send is None:
        return None
    return RolloutsRunner(
        session_factory=session_factory,
        clock=clock,
        send=send,
        releases_url=releases_url(settings),
        interval_s=settings.rollouts_tick_s,
    )
