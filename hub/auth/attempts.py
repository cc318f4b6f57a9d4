"""A limit on wrong passwords: per account and per client address, in memory.

After :data:`MAX_FAILURES` wrong passwords within :data:`WINDOW` for the same account (or
:data:`MAX_FAILURES_PER_ADDRESS` from the same address), further tries are refused until the
oldest failure leaves the window, whether the next password would be right or not. In
memory and per hub process: a restart forgets it, and with several workers each counts its
own (a guesser still gets only a few tries a minute per worker).
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock
from typing import Annotated

from fastapi import Depends, Request

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = timedelta(minutes=5)


@dataclass
class FailedAttempts:
    max_failures: int = MAX_FAILURES
    max_failures_per_address: int = MAX_FAILURES_PER_ADDRESS
    window: timedelta = WINDOW
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def retry_after(self, account: str, address: str, now: datetime) -> timedelta | None:
        """None when a try is allowed now; otherwise how long until one is."""
        with self._lock:
            waits = [
                self._wait(f"account:{account}", self.max_failures, now),
                self._wait(f"address:{address}", self.max_failures_per_address, now),
            ]
        longest = max((w for w in waits if w is not None), default=None)
        return longest

    def failed(self, account: str, address: str, now: datetime) -> None:
        with self._lock:
            for key in (f"account:{account}", f"address:{address}"):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._failures.pop(f"account:{account}", None)

    def _wait(self, key: str, limit: int, now: datetime) -> timedelta | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        if len(times) < limit:
            return None
        return times[len(times) - limit] + self.window - now


def get_attempts(request: Request) -> FailedAttempts:
    """The app's counter, made on first use (one per app, so tests do not share one)."""
    attempts = getattr(request.app.state, "password_attempts", None)
    if attempts is None:
        attempts = request.app.state.password_attempts = FailedAttempts()
    return attempts


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


AttemptsDep = Annotated[FailedAttempts, Depends(get_attempts)]
