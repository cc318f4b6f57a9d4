"""What the agent's loop reads on a schedule besides sensor edges: people counters every
second (edge/counter_poller.py), CO2 every half minute (edge/co2/poller.py). Each says when it
is next due, on the agent's (possibly simulated) clock, and hands over signals for fusion."""

from typing import Protocol

from edge.fusion.signals import Signal


class SignalPoller(Protocol):
    def next_due(self) -> float | None:
        """Monotonic time of the next reading (None: nothing to read)."""
        ...

    def poll(self, now: float) -> list[Signal]:
        """Signals read now, if a reading is due at ``now``."""
        ...

    def close(self) -> None: ...
