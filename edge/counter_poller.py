"""Reading the people counters about once a second, in the agent's thread, as count signals.

A counter's ``read()`` takes in what its hardware produced since the last call (radar frames,
a thermal image, beam edges) and never blocks, so the agent's loop polls them itself: no thread,
no lock, and deadlines come from the agent's (possibly simulated) clock like everything else.
A reading already handed on (same counter, same time) is not handed on again; a counter that
says nothing (None: stale) gives no signal, which fusion takes as no evidence.
"""

import logging
from collections.abc import Sequence

from edge.counting.base import CountReading, PeopleCounter
from edge.fusion.signals import Signal

log = logging.getLogger(__name__)

#: How often the counters are read (monotonic seconds).
POLL_EVERY_S = 1.0


class CounterPoller:
    def __init__(
        self, counters: Sequence[PeopleCounter], start: float, every_s: float = POLL_EVERY_S
    ) -> None:
        self.counters = list(counters)
        self._every = every_s
        self._next = start
        self._last_at: dict[str, float] = {}
        self._failing: set[str] = set()

    def next_due(self) -> float | None:
        return self._next if self.counters else None

    def poll(self, now: float) -> list[Signal]:
        """Count signals from every counter, if a poll is due at ``now``."""
        if not self.counters or now < self._next:
            return []
        while self._next <= now:  # after a stall one poll, not a burst
            self._next += self._every
        signals: list[Signal] = []
        for counter in self.counters:
            reading = self._read(counter)
            if reading is None or self._last_at.get(counter.sensor_id) == reading.at_monotonic:
                continue
            self._last_at[counter.sensor_id] = reading.at_monotonic
            signals.append(count_signal(reading))
        return signals

    def close(self) -> None:
        for counter in self.counters:
            counter.close()

    def _read(self, counter: PeopleCounter) -> CountReading | None:
        # Counters count bad input instead of raising; anything else must not stop occupancy.
        try:
            reading = counter.read()
        except Exception:
            if counter.sensor_id not in self._failing:
                log.exception(
                    "counter %s: read failed (logged once until it recovers)", counter.sensor_id
                )
                self._failing.add(counter.sensor_id)
            return None
        self._failing.discard(counter.sensor_id)
        return reading


def count_signal(reading: CountReading) -> Signal:
    return Signal(
        "count",
        reading.sensor_id,
        reading.at_monotonic,
        float(reading.count),
        reading.confidence,
        reading.at_least,
    )
