"""Plays a compiled scenario on the (simulated) clock by driving mock pins.

It runs in its own thread and plays the part of the world: it only moves pins,
and the agent sees the result through the same gpiozero callbacks as on a Pi.
The world begins when the player starts (after the terminal has connected):
the timeline is compiled from that moment, with the state the scenario has
reached by then set first, so time spent connecting is not replayed in a burst.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime

from common.clock import Clock
from edge.simclock import monotonic_at, real_seconds_until
from edge.timeline import TimedChange

log = logging.getLogger(__name__)

# Re-check the clock at least this often (real seconds) while waiting.
MAX_WAIT_S = 5.0


class ScenarioPlayer:
    def __init__(
        self,
        timeline_from: Callable[[datetime], Iterable[TimedChange]],
        set_active: Callable[[str, bool], None],
        clock: Clock,
        name: str = "scenario",
    ) -> None:
        self._timeline_from = timeline_from
        self._set_active = set_active
        self._clock = clock
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.played = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="scenario-player", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:
        try:
            for change in self._timeline_from(self._clock.now()):
                if not self._wait_until(change.at):
                    return
                log.debug(
                    "scenario: %s -> %s",
                    change.sensor_id,
                    "active" if change.active else "inactive",
                )
                self._set_active(change.sensor_id, change.active)
                self.played += 1
            log.info("scenario %s has played to its end; sensors stay as they are", self._name)
        except Exception:  # the world breaking must not go unnoticed
            log.exception("scenario %s stopped with an error", self._name)

    def _wait_until(self, when: datetime) -> bool:
        """Wait until the clock reads ``when``; False if asked to stop first."""
        while not self._stop.is_set():
            delay = real_seconds_until(self._clock, monotonic_at(self._clock, when))
            if delay <= 0:
                return True
            self._stop.wait(min(delay, MAX_WAIT_S))
        return False
