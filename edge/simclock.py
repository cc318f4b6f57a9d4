"""Accelerated time for simulation, and turning clock deadlines into real waits.

:class:`SimulatedClock` starts at a chosen wall time (usually in the past) and
runs ``speed`` times faster than the real clock until it has caught up with
the real now; from then on it runs at 1x. ``--start -2h --speed 600``
replays the last two hours in about 12 s and then carries on live, and a
terminal's timestamps never claim a moment that has not happened yet.
"""

import math
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from common.clock import Clock
from contract.units import parse_duration


@runtime_checkable
class PacedClock(Protocol):
    """A clock derived from the real one: it knows its own mapping exactly."""

    def real_seconds_until(self, target_monotonic: float) -> float: ...

    def wall_at(self, monotonic: float) -> datetime: ...


def real_seconds_until(clock: Clock, target_monotonic: float) -> float:
    """How long to really wait until ``clock.monotonic()`` reaches the target (>= 0)."""
    if isinstance(clock, PacedClock):
        return clock.real_seconds_until(target_monotonic)
    return max(0.0, target_monotonic - clock.monotonic())


def wall_time_at(clock: Clock, monotonic: float) -> datetime:
    """The wall time at which ``clock`` read (or will read) ``monotonic``."""
    if isinstance(clock, PacedClock):
        return clock.wall_at(monotonic)
    return clock.now() - timedelta(seconds=clock.monotonic() - monotonic)


def monotonic_at(clock: Clock, wall: datetime) -> float:
    """The monotonic reading of ``clock`` at wall time ``wall``."""
    if isinstance(clock, PacedClock):
        return clock.monotonic() + (wall - clock.wall_at(clock.monotonic())).total_seconds()
    return clock.monotonic() + (wall - clock.now()).total_seconds()


class SimulatedClock:
    """Virtual time = start + speed x real elapsed, never ahead of the real clock."""

    def __init__(self, start_wall: datetime, speed: float, real: Clock) -> None:
        if start_wall.tzinfo is None:
            raise ValueError("the simulated start time needs a UTC offset")
        if not math.isfinite(speed) or speed < 1:
            raise ValueError(f"speed must be a number >= 1, not {speed}")
        self._real = real
        self._speed = float(speed)
        self._start_wall = start_wall.astimezone(UTC)
        self._real_mono0 = real.monotonic()
        lag = (real.now() - self._start_wall).total_seconds()
        if lag < 0:
            raise ValueError(f"the simulated start {start_wall.isoformat()} is in the future")
        # Real seconds until the virtual clock has caught up with the real one.
        if lag == 0:
            self._catch_up_real = 0.0
        elif self._speed == 1:
            self._catch_up_real = math.inf  # 1x never catches up; it just stays behind
        else:
            self._catch_up_real = lag / (self._speed - 1)

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def start_wall(self) -> datetime:
        return self._start_wall

    @property
    def caught_up(self) -> bool:
        return self._real_elapsed() >= self._catch_up_real

    def monotonic(self) -> float:
        # The virtual monotonic clock starts where the real one was at creation.
        return self._real_mono0 + self._virtual_elapsed(self._real_elapsed())

    def now(self) -> datetime:
        return self._start_wall + timedelta(seconds=self._virtual_elapsed(self._real_elapsed()))

    def wall_at(self, monotonic: float) -> datetime:
        # Virtual wall and monotonic time advance together, so this is exact.
        return self._start_wall + timedelta(seconds=monotonic - self._real_mono0)

    def real_seconds_until(self, target_monotonic: float) -> float:
        real_target = self._real_elapsed_for(target_monotonic - self._real_mono0)
        return max(0.0, real_target - self._real_elapsed())

    # -- the piecewise-linear map between real and virtual elapsed time ---------

    def _real_elapsed(self) -> float:
        return self._real.monotonic() - self._real_mono0

    def _virtual_elapsed(self, real_elapsed: float) -> float:
        if real_elapsed <= self._catch_up_real:
            return real_elapsed * self._speed
        return self._catch_up_real * self._speed + (real_elapsed - self._catch_up_real)

    def _real_elapsed_for(self, virtual_elapsed: float) -> float:
        accelerated = self._catch_up_real * self._speed
        if virtual_elapsed <= accelerated:
            return virtual_elapsed / self._speed
        return self._catch_up_real + (virtual_elapsed - accelerated)


def parse_start(text: str, now: datetime) -> datetime:
    """``--start``: "now", ISO-8601 with a UTC offset, or a negative duration like -2h, -1d."""
    value = text.strip()
    if value.lower() == "now":
        return now
    if value.startswith("-"):
        try:
            seconds = parse_duration(value[1:])
        except ValueError:
            raise ValueError(
                f"--start {text!r}: write a negative duration like -2h, -90m, -1d or -1h30m"
            ) from None
        return now - timedelta(seconds=seconds)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--start {text!r}: use ISO-8601 with an offset (2026-03-02T08:00:00+01:00), "
            "a negative duration (-2h, -1d) or 'now'"
        ) from None
    if when.tzinfo is None:
        raise ValueError(f"--start {text!r} has no UTC offset: add one, e.g. +01:00 or Z")
    if when > now:
        raise ValueError(f"--start {text!r} is in the future; a terminal cannot report the future")
    return when
