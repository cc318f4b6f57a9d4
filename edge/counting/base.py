"""People counters behind one small interface, so fusion can treat every kind the same way.

A counter turns whatever its hardware produces (radar frames, thermal images, beam edges) into a
:class:`CountReading`: a best count, how sure it is, and whether the sensor saturates (an LD2450
tracks at most three targets, so its "3" means "3 or more"). Fusion (issue 8, step 2) turns the
count into Density-style bands (0/1/2/3+) with :meth:`CountReading.band` and weighs it by
``confidence``. ``read()`` returns None when the sensor has said nothing valid lately: a silent
counter is no evidence of an empty room.

Frame-based counters (radar, thermal) vote: each frame gives a count, the reading is the most
common count over a short window, and the confidence is the share of frames that agreed. One
flicker (a missed target, a ghost) then lowers the confidence instead of changing the count.
"""

from collections import Counter, deque
from dataclasses import dataclass
from typing import Protocol

from contract.terminal_config import SensorKind

#: Density's bands: 0, 1, 2 and "3 or more".
DEFAULT_TOP_BAND = 3


@dataclass(frozen=True)
class CountReading:
    sensor_id: str
    kind: SensorKind
    count: int  # best estimate of the people the sensor covers
    confidence: float  # 0..1: how likely ``count`` is right (agreement of recent frames)
    at_monotonic: float  # the terminal's monotonic clock when the reading was made
    # The sensor cannot tell more than this many (LD2450: 3); None: no such limit.
    saturates_at: int | None = None
    frames: int = 1  # observations behind this reading (frames in the window, crossings)

    @property
    def at_least(self) -> bool:
        """True when ``count`` is a lower bound (the sensor saw as many as it can)."""
        return self.saturates_at is not None and self.count >= self.saturates_at

    def band(self, top: int = DEFAULT_TOP_BAND) -> int:
        """0, 1, ... ``top``, where ``top`` means "top or more"; finer when ``top`` is larger."""
        return min(self.count, top)


@dataclass
class CounterStats:
    """What went wrong, for health reporting: bad input is counted, never raised."""

    frames_ok: int = 0
    frames_bad: int = 0  # a frame that started right but was corrupt or implausible
    bytes_skipped: int = 0  # noise between frames (e.g. joining a serial stream midway)
    read_errors: int = 0  # the transport failed (I2C NACK, serial unplugged)


class PeopleCounter(Protocol):
    sensor_id: str
    kind: SensorKind

    @property
    def stats(self) -> CounterStats: ...

    def read(self) -> CountReading | None:
        """Take in what the sensor produced since the last call; None while it is stale."""
        ...

    def close(self) -> None: ...


class CountWindow:
    """Per-frame counts over the last ``window_s`` seconds, voted into one reading."""

    def __init__(self, window_s: float, stale_after_s: float) -> None:
        self.window_s = window_s
        self.stale_after_s = stale_after_s
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, at: float, count: int) -> None:
        self._samples.append((at, count))

    def vote(self, now: float) -> tuple[int, float, int] | None:
        """(count, confidence, frames), or None when the newest frame is older than stale."""
        if not self._samples or self._samples[-1][0] < now - self.stale_after_s:
            return None
        # The window ends at the newest frame, so a short gap in frames does not empty it.
        while self._samples[0][0] < self._samples[-1][0] - self.window_s:
            self._samples.popleft()
        tally = Counter(count for _, count in self._samples)
        # On a tie the larger count wins: releasing an occupied room costs more than keeping
        # an empty one a little longer.
        count, votes = max(tally.items(), key=lambda item: (item[1], item[0]))
        return count, votes / len(self._samples), len(self._samples)
