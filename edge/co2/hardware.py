"""Opening the configured CO2 sensors on a Pi; one that cannot open is left out and logged."""

import logging
from collections.abc import Sequence

from common.clock import Clock
from contract.terminal_config import SensorKind, SensorSection
from edge.co2.scd4x import Scd4xSensor, SmbusScd4x

log = logging.getLogger(__name__)


def open_co2_sensors(sensors: Sequence[SensorSection], clock: Clock) -> list[Scd4xSensor]:
    opened = []
    for sensor in sensors:
        if sensor.kind is not SensorKind.CO2:
            continue
        try:
            bus = SmbusScd4x(sensor.i2c_bus, sensor.i2c_address)
            opened.append(Scd4xSensor(sensor.id, bus, clock))
        except (RuntimeError, OSError) as exc:
            log.error("co2 sensor %s is left out: %s", sensor.id, exc)
    return opened
