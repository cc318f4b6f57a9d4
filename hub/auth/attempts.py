"""Rate limits on signing in: wrong passwords per account and per address, and tries per address.

- After :data:`MAX_FAILURES` wrong passwords (or refresh tokens) within :data:`WINDOW` for the
  same account, or :data:`MAX_FAILURES_PER_ADDRESS` from the same client address, further
  tries are refused until the oldest failure leaves the window, whether the next password
  would be right or not.
- Every try from one address counts, right or wrong: at most ``max_requests_per_address``
  per :data:`REQUEST_WINDOW` (``QUORUM_AUTH_REQUESTS_PER_MIN``), which bounds the CPU an
  address can make the hub spend on Argon2 and refreshes.

Refused tries are answered 429 with ``Retry-After`` (:func:`refuse_if_limited`). In memory and
per hub process: a restart forgets it, and with several workers each counts its own (a
guesser still gets only a few tries a minute per worker).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from hub.auth.ratelimit import SlidingWindow

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = timedelta(minutes=5)
MAX_REQUESTS_PER_ADDRESS = 60
REQUEST_WINDOW = timedelta(minutes=1)


@dataclass
class FailedAttempts:
    max_failures: int = MAX_FAILURES
    max_failures_per_address: int = MAX_FAILURES_PER_ADDRESS
    window: timedelta = WINDOW
    max_requests_per_address: int = MAX_REQUESTS_PER_ADDRESS
    request_window: timedelta = REQUEST_WINDOW
    _lock: Lock = field(default_factory=Lock)

    def __post_init__(self) -> None:
        self._by_account = SlidingWindow(self.max_failures, self.window)
        self._by_address = SlidingWindow(self.max_failures_per_address, self.window)
        self._requests = SlidingWindow(self.max_requests_per_address, self.request_window)

    def retry_after(self, account: str, address: str, now: datetime) -> timedelta | None:
        """None when a try is allowed now; otherwise how long until one is."""
        with self._lock:
            waits = [
                self._by_account.wait(account, now) if account else None,
                self._by_address.wait(address, now),
                self._requests.wait(address, now),
            ]
        return max((w for w in waits if w is not None), default=None)

    def tried(self, address: str, now: datetime) -> None:
        """Count a try that was let through (right or wrong)."""
        with self._lock:
            self._requests.add(address, now)

    def failed(self, account: str, address: str, now: datetime) -> None:
        with self._lock:
            if account:
                self._by_account.add(account, now)
            self._by_address.add(address, now)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._by_account.clear(account)


def too_many(wait: timedelta) -> HTTPException:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"too many sign-in attempts: try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


def refuse_if_limited(attempts: FailedAttempts, account: str, address: str, now: datetime) -> None:
    """Raise 429 with Retry-After when a limit is reached; otherwise count this try."""
    wait = attempts.retry_after(account, address, now)
    if wait is not None:
        raise too_many(wait)
    attempts.tried(address, now)


def get_attempts(request: Request) -> FailedAttempts:
    """The app's counter, made on first use (one per app, so tests do not share one)."""
    attempts = getattr(request.app.state, "password_attempts", None)
    if attempts is None:
        hub = getattr(request.app.state, "hub", None)
        per_min = hub.settings.auth_requests_per_min if hub is not None else None
        attempts = FailedAttempts(max_requests_per_address=per_min or MAX_REQUESTS_PER_ADDRESS)
        request.app.state.password_attempts = attempts
    return attempts


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


AttemptsDep = Annotated[FailedAttempts, Depends(get_attempts)]
