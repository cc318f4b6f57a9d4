"""Compile a scenario into the sensor level changes it causes, in time order.

Steps become raw operations (latch a level on/off, start/end a pulse) per
period; a sensor is active while latched or inside at least one pulse, and
only changes of that level are emitted. Operations before the simulated start
are still played (silently), so starting mid-meeting begins with the radar
already on: the state at ``start`` is emitted first, stamped ``start``.

Jitter comes from a generator seeded by (seed, period, step), so a pulse
train is the same whatever the start time and however often it is replayed.
"""

import heapq
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from edge.scenario import DAY_S, Action, Scenario

_LATCH_ON, _LATCH_OFF, _PULSE_START, _PULSE_END = range(4)


@dataclass(frozen=True)
class TimedChange:
    at: datetime  # aware
    sensor_id: str
    active: bool


def compile_timeline(scenario: Scenario, tz: ZoneInfo, start: datetime) -> Iterator[TimedChange]:
    """Level changes from ``start`` on; endless when the scenario has a period."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    levels = _Levels()
    emitted_initial = False
    for when, sensor_id, op in _operations(scenario, tz, start):
        if not emitted_initial and when >= start:
            yield from (TimedChange(start, s, True) for s in levels.active_sensors())
            emitted_initial = True
        change = levels.apply(sensor_id, op)
        if change is not None and emitted_initial:
            yield TimedChange(when, sensor_id, change)
    if not emitted_initial:
        yield from (TimedChange(start, s, True) for s in levels.active_sensors())


class _Levels:
    def __init__(self) -> None:
        self._latched: dict[str, bool] = {}
        self._pulses: dict[str, int] = {}

    def _level(self, sensor_id: str) -> bool:
        return self._latched.get(sensor_id, False) or self._pulses.get(sensor_id, 0) > 0

    def apply(self, sensor_id: str, op: int) -> bool | None:
        """Apply one operation; return the new level if it changed."""
        before = self._level(sensor_id)
        if op in (_LATCH_ON, _LATCH_OFF):
            self._latched[sensor_id] = op == _LATCH_ON
        else:
            delta = 1 if op == _PULSE_START else -1
            self._pulses[sensor_id] = max(0, self._pulses.get(sensor_id, 0) + delta)
        after = self._level(sensor_id)
        return after if after != before else None

    def active_sensors(self) -> list[str]:
        names = sorted(set(self._latched) | set(self._pulses))
        return [s for s in names if self._level(s)]


def _operations(
    scenario: Scenario, tz: ZoneInfo, start: datetime
) -> Iterator[tuple[datetime, str, int]]:
    """All raw operations in time order, generating one period at a time."""
    heap: list[tuple[datetime, int, str, int]] = []
    order = itertools.count()  # keeps simultaneous operations in file order
    for index in itertools.count():
        period_start = _period_origin(scenario, tz, start, index)
        if period_start is None:
            break
        # Everything earlier than this period's start is final: no later period reaches back.
        while heap and heap[0][0] < period_start:
            when, _, sensor_id, op = heapq.heappop(heap)
            yield when, sensor_id, op
        for when, sensor_id, op in _period_operations(scenario, tz, period_start, index):
            heapq.heappush(heap, (when, next(order), sensor_id, op))
    while heap:
        when, _, sensor_id, op = heapq.heappop(heap)
        yield when, sensor_id, op


def _period_origin(
    scenario: Scenario, tz: ZoneInfo, start: datetime, index: int
) -> datetime | None:
    if index > 0 and scenario.period is None:
        return None
    period = scenario.period or 0.0
    if scenario.anchor == "start":
        return start + timedelta(seconds=period * index)
    first_day = start.astimezone(tz).date()
    return _local(first_day + timedelta(days=int(period // DAY_S) * index), 0.0, tz)


def _local(day: date, offset_s: float, tz: ZoneInfo) -> datetime:
    # Offsets from local midnight are local clock times: 09:30 stays 09:30 on DST days.
    naive = datetime.combine(day, time()) + timedelta(seconds=offset_s)
    return naive.replace(tzinfo=tz)


def _period_operations(
    scenario: Scenario, tz: ZoneInfo, origin: datetime, index: int
) -> Iterator[tuple[datetime, str, int]]:
    def at(offset_s: float) -> datetime:
        if scenario.anchor == "local_midnight":
            return _local(origin.date(), offset_s, tz)
        return origin + timedelta(seconds=offset_s)

    for step_index, step in enumerate(scenario.steps):
        if step.action in (Action.ON, Action.CLOSE):
            yield at(step.at), step.sensor, _LATCH_ON
        elif step.action in (Action.OFF, Action.OPEN):
            yield at(step.at), step.sensor, _LATCH_OFF
        else:
            rng = random.Random(f"{scenario.seed}:{index}:{step_index}")
            for offset in _pulse_offsets(step.at, step.every, step.until):
                begin = offset + (rng.uniform(0.0, step.jitter) if step.jitter else 0.0)
                yield at(begin), step.sensor, _PULSE_START
                yield at(begin + step.width), step.sensor, _PULSE_END


def _pulse_offsets(first: float, every: float | None, until: float | None) -> Iterator[float]:
    if every is None or until is None:
        yield first
        return
    for n in itertools.count():
        offset = first + n * every
        if offset >= until:
            return
        yield offset
