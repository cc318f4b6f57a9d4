"""What every background loop of the hub shares: a thread that runs one round, waits, and
outlives a failed round; and the PostgreSQL advisory lock that lets one hub worker at a time
run a round when several share a database (docs/scaling.md). The bookings loop, the alerts
loop and the reports loop each keep only what their round does.
"""

import logging
import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: A round: does its work and says how long to wait before the next (None: the usual interval).
Round = Callable[[], float | None]


class Loop:
    def __init__(
        self, name: str, round_: Round, interval_s: float, *, wait_first: bool = False
    ) -> None:
        self.name = name
        self._wait_first = wait_first  # the first round one interval after start
        self._round = round_
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def _run(self) -> None:
        if self._wait_first and self._stop.wait(self._interval_s):
            return
        while not self._stop.is_set():
            wait = self._interval_s
            try:
                sooner = self._round()
                if sooner is not None:
                    wait = min(wait, sooner)
            except Exception:  # a loop must outlive a bad row or a database outage
                log.exception("%s loop failed; trying again in %.0f s", self.name, wait)
            self._stop.wait(wait)


def take_loop_lock(session: Session, key: int) -> bool:
    """True when this worker may run the round now: always on SQLite (one worker); on
    PostgreSQL a transaction-level advisory lock on ``key``, released at commit."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    locked = session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
    return bool(locked.scalar())
