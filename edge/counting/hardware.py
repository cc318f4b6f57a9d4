"""The configured people counters on real hardware: a serial radar, an I2C thermal array, door
beams on GPIO pins. Built by the terminal (edge/cli.py) when occupancy fusion runs.

A counter that cannot be opened (no serial port, nothing on the I2C bus, a missing library) is
left out with an error in the log: counters add to occupancy, they are not needed for it, and a
terminal that stopped for an unplugged radar would lose its PIR and door too.
"""

import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from common.clock import Clock
from contract.terminal_config import SensorKind, SensorSection
from edge.counting.amg8833 import Amg8833Bus, Amg8833Counter
from edge.counting.base import CounterStats, CountReading, PeopleCounter
from edge.counting.door_beams import DoorBeamCounter, DoorBeams
from edge.counting.ld2450 import Ld2450Counter, SerialPort
from edge.sensors import SensorSetupError

log = logging.getLogger(__name__)


class BeamsCounter:
    """A door-beam counter together with the gpiozero inputs that feed it (closed with it)."""

    kind = SensorKind.DOOR_BEAMS

    def __init__(self, beams: DoorBeams) -> None:
        self.beams = beams
        self.sensor_id = beams.counter.sensor_id

    @property
    def stats(self) -> CounterStats:
        return self.beams.counter.stats

    def read(self) -> CountReading | None:
        return self.beams.counter.read()

    def close(self) -> None:
        self.beams.close()


def open_counters(
    sensors: Sequence[SensorSection], pin_factory: Any, clock: Clock, timezone: ZoneInfo
) -> list[PeopleCounter]:
    """Every counting sensor of ``sensors`` that could be opened."""
    counters: list[PeopleCounter] = []
    for sensor in sensors:
        try:
            counter = open_counter(sensor, pin_factory, clock, timezone)
        except (RuntimeError, SensorSetupError) as exc:
            log.error("counter %s (%s) is left out: %s", sensor.id, sensor.kind.value, exc)
            continue
        if counter is not None:
            counters.append(counter)
    return counters


def open_counter(
    sensor: SensorSection, pin_factory: Any, clock: Clock, timezone: ZoneInfo
) -> PeopleCounter | None:
    """The counter of one sensor (None for a binary sensor); RuntimeError if it cannot open."""
    if sensor.kind is SensorKind.MMWAVE_TARGETS:
        assert sensor.port is not None  # the schema requires it
        return Ld2450Counter(sensor.id, SerialPort(sensor.port, sensor.baud), clock, sensor.zone)
    if sensor.kind is SensorKind.THERMAL_ARRAY:
        return Amg8833Counter(sensor.id, Amg8833Bus(sensor.i2c_bus, sensor.i2c_address), clock)
    if sensor.kind is SensorKind.DOOR_BEAMS:
        counter = DoorBeamCounter(sensor.id, clock, reset_at=sensor.reset_at, timezone=timezone)
        return BeamsCounter(DoorBeams(sensor, pin_factory, counter))
    return None
