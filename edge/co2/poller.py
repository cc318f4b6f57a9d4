"""Reading the CO2 sensors every half minute in the agent's loop, as ``co2`` signals.

Fusion fits the CO2 slope over 10 minutes (edge/fusion/evidence.py), so a reading every 30 s is
plenty; the sensor itself measures every 5 s. Like the people counters (edge/counter_poller.py)
a read never blocks for long and a failing sensor is logged once until it recovers: CO2 is
optional evidence and must never stop occupancy.
"""

import logging
from collections.abc import Sequence
from typing import Protocol

from edge.co2.scd4x import Co2Reading
from edge.fusion.signals import Signal

log = logging.getLogger(__name__)

READ_EVERY_S = 30.0


class Co2Sensor(Protocol):
    sensor_id: str

    def read(self) -> Co2Reading | None: ...

    def close(self) -> None: ...


class Co2Poller:
    def __init__(
        self, sensors: Sequence[Co2Sensor], start: float, every_s: float = READ_EVERY_S
    ) -> None:
        self.sensors = list(sensors)
        self._every = every_s
        self._next = start
        self._failing: set[str] = set()

    def next_due(self) -> float | None:
        return self._next if self.sensors else None

    def poll(self, now: float) -> list[Signal]:
        if not self.sensors or now < self._next:
            return []
        while self._next <= now:  # after a stall one reading, not a burst
            self._next += self._every
        signals = []
        for sensor in self.sensors:
            reading = self._read(sensor)
            if reading is not None:
                signals.append(Signal("co2", reading.sensor_id, reading.at_monotonic, reading.ppm))
        return signals

    def close(self) -> None:
        for sensor in self.sensors:
            sensor.close()

    def _read(self, sensor: Co2Sensor) -> Co2Reading | None:
        try:
            reading = sensor.read()
        except Exception:
            if sensor.sensor_id not in self._failing:
                log.exception(
                    "co2 %s: read failed (logged once until it recovers)", sensor.sensor_id
                )
                self._failing.add(sensor.sensor_id)
            return None
        self._failing.discard(sensor.sensor_id)
        return reading
