"""A sliding-window counter: at most ``limit`` events per key within any ``window``.

Time comes from the caller (the hub's injectable clock), so tests move it by hand. Written
here rather than taken from a library (``limits``) because those read the system clock.
In memory and per process, like everything in :mod:`hub.auth.attempts`.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Above this many keys, every add sweeps out those whose events have all left the window,
# so a flood of distinct addresses cannot grow the table without end.
SWEEP_ABOVE = 10_000


@dataclass
class SlidingWindow:
    limit: int
    window: timedelta
    _events: dict[str, deque[datetime]] = field(default_factory=dict)

    def add(self, key: str, now: datetime) -> None:
        if len(self._events) > SWEEP_ABOVE:
            for stale in [k for k, times in self._events.items() if self._prune(times, now)]:
                del self._events[stale]
        self._events.setdefault(key, deque()).append(now)

    def clear(self, key: str) -> None:
        self._events.pop(key, None)

    def wait(self, key: str, now: datetime) -> timedelta | None:
        """None when one more event is allowed now; otherwise how long until it is."""
        times = self._events.get(key)
        if times is None:
            return None
        if self._prune(times, now):
            del self._events[key]
            return None
        if len(times) < self.limit:
            return None
        return times[len(times) - self.limit] + self.window - now

    def _prune(self, times: deque[datetime], now: datetime) -> bool:
        """Drop events that left the window; True when none is left."""
        while times and times[0] <= now - self.window:
            times.popleft()
        return not times
