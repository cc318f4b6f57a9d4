"""Logging that cannot flood: at most one line per key per interval, plus a count of the rest.

A storm of malformed messages (a misconfigured terminal publishing 1000/s)
must be visible in the log without drowning it or slowing ingest.
"""

import logging

from common.clock import Clock


class RateLimitedLog:
    def __init__(self, logger: logging.Logger, clock: Clock, interval_s: float = 10.0) -> None:
        self._logger = logger
        self._clock = clock
        self._interval_s = interval_s
        # key -> (monotonic time of the last line written, messages suppressed since)
        self._state: dict[str, tuple[float, int]] = {}

    def warning(self, key: str, msg: str, *args: object) -> bool:
        """Log ``msg`` unless ``key`` was logged within the interval; True if written."""
        now = self._clock.monotonic()
        last = self._state.get(key)
        if last is not None and now - last[0] < self._interval_s:
            self._state[key] = (last[0], last[1] + 1)
            return False
        suppressed = last[1] if last is not None else 0
        if suppressed:
            msg = f"{msg} (and {suppressed} more like it in the last {self._interval_s:.0f} s)"
        self._logger.warning(msg, *args)
        self._state[key] = (now, 0)
        return True
