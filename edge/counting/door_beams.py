"""A door line-crossing counter: two IR break beams on gpiozero inputs, ins minus outs.

The beams are plain digital inputs built like edge/sensors.py builds them: an injected pin
factory, ``DigitalInputDevice`` (no smoothing thread), edges stamped with the terminal's clock
in the callback. Break-beam receivers have open-collector outputs, so the pin is pulled up
and reads low while the beam is broken (``pull_up: true``, the default for this kind).

The callbacks only queue edges (they run in lgpio's thread on a Pi); :meth:`read` decodes them
in the agent's thread. The count is people in the room = ins - outs, never below zero. Door
counts drift (a missed crossing stays missed), so the confidence falls with every crossing
since the count was last known, and faster after an anomaly: an out while the count was
already 0, or an ambiguous passage. An optional ``reset_at`` local time (a quiet hour, e.g.
03:00) sets the count back to a known 0 once a day.
"""

import queue
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from gpiozero import DigitalInputDevice

from common.clock import Clock
from contract.terminal_config import SensorKind, SensorSection
from edge.counting.base import CounterStats, CountReading
from edge.counting.crossings import Beam, Crossing, CrossingDecoder
from edge.sensors import SensorSetupError, effective_pull_up

# Per crossing, the chance the count went wrong (a missed or merged body); per anomaly, a
# sharper fall. Rough figures to be fitted by calibration (issue 8, step 3).
ERROR_PER_CROSSING = 0.01
ANOMALY_FACTOR = 0.7
MIN_CONFIDENCE = 0.05
# A beam broken this long is blocked (a box, a door wedged open against it): crossings are
# being missed, so the count is not to be trusted until it clears.
BLOCKED_S = 30.0


class DoorBeamCounter:
    """Counts people in the room from beam edges; a :class:`PeopleCounter`."""

    kind = SensorKind.DOOR_BEAMS

    def __init__(
        self,
        sensor_id: str,
        clock: Clock,
        decoder: CrossingDecoder | None = None,
        reset_at: time | None = None,
        timezone: tzinfo | None = None,
    ) -> None:
        self.sensor_id = sensor_id
        self._clock = clock
        self._decoder = decoder or CrossingDecoder()
        self._edges: queue.SimpleQueue[tuple[Beam, bool, float]] = queue.SimpleQueue()
        self._stats = CounterStats()
        self._reset_at, self._tz = reset_at, timezone or UTC  # the room's zone in practice
        self._next_reset = self._following_reset(clock.now())
        self.count = 0
        self.ins = self.outs = self.turned_back = 0
        self._crossings = 0  # since the count was last known (start, reset)
        self._anomalies = 0

    @property
    def stats(self) -> CounterStats:
        return self._stats

    def on_edge(self, beam: Beam, broken: bool) -> None:
        """Called from the beams' callbacks (any thread): stamp now, decode later."""
        self._edges.put((beam, broken, self._clock.monotonic()))

    def read(self) -> CountReading:
        now = self._clock.monotonic()
        crossings: list[Crossing] = []
        while not self._edges.empty():
            beam, broken, at = self._edges.get_nowait()
            crossings += self._decoder.edge(beam, broken, at)
        crossings += self._decoder.flush(now)
        for crossing in crossings:
            self._apply(crossing)
        if self._next_reset is not None and self._clock.now() >= self._next_reset:
            self.reset()
            self._next_reset = self._following_reset(self._clock.now())
        confidence = max(
            MIN_CONFIDENCE,
            (1 - ERROR_PER_CROSSING) ** self._crossings * ANOMALY_FACTOR**self._anomalies,
        )
        if self._decoder.blocked_for(now) >= BLOCKED_S:
            confidence = 0.0
        return CountReading(
            self.sensor_id,
            self.kind,
            self.count,
            confidence,
            now,
            None,
            self._crossings,
        )

    def _apply(self, crossing: Crossing) -> None:
        self._stats.frames_ok += 1
        if crossing.doubtful:
            self._anomalies += 1
        if crossing.direction == "turned_back":
            self.turned_back += 1
            return
        self._crossings += 1
        if crossing.direction == "in":
            self.ins += 1
            self.count += 1
        else:
            self.outs += 1
            if self.count == 0:
                self._anomalies += 1  # someone left whom we never saw come in
            self.count = max(0, self.count - 1)

    def reset(self) -> None:
        """The room is known to be empty: count 0, fully trusted again."""
        self.count = self._crossings = self._anomalies = 0

    def _following_reset(self, now: datetime) -> datetime | None:
        if self._reset_at is None:
            return None
        local = now.astimezone(self._tz)
        candidate = datetime.combine(local.date(), self._reset_at, tzinfo=local.tzinfo)
        if candidate <= local:
            candidate = datetime.combine(
                local.date() + timedelta(days=1), self._reset_at, tzinfo=local.tzinfo
            )
        return candidate

    def close(self) -> None:
        pass


class DoorBeams:
    """The two beam inputs of a ``door_beams`` sensor, feeding a :class:`DoorBeamCounter`."""

    def __init__(self, sensor: SensorSection, pin_factory: Any, counter: DoorBeamCounter) -> None:
        if sensor.pin_a is None or sensor.pin_b is None:
            raise SensorSetupError(f"sensor {sensor.id!r} needs pin_a and pin_b")
        self.counter = counter
        self.active_low = effective_pull_up(sensor)
        self.devices: dict[Beam, DigitalInputDevice] = {}
        try:
            beams: tuple[tuple[Beam, str], ...] = (("a", sensor.pin_a), ("b", sensor.pin_b))
            for beam, pin in beams:
                self.devices[beam] = self._build(sensor.id, beam, pin, pin_factory)
        except Exception:
            self.close()
            raise

    def _build(self, sensor_id: str, beam: Beam, pin: str, pin_factory: Any) -> DigitalInputDevice:
        try:
            device = DigitalInputDevice(pin, pull_up=self.active_low, pin_factory=pin_factory)
        except Exception as exc:
            raise SensorSetupError(f"sensor {sensor_id!r} beam {beam} on {pin}: {exc}") from exc
        device.when_activated = self._callback(beam, True)
        device.when_deactivated = self._callback(beam, False)
        return device

    def _callback(self, beam: Beam, broken: bool) -> Callable[[], None]:
        def on_edge() -> None:
            self.counter.on_edge(beam, broken)

        return on_edge

    def close(self) -> None:
        for device in self.devices.values():
            device.close()
        self.devices.clear()
