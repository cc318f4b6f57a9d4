"""Counting sensors next to binary ones: the sensor bank and scenarios leave them alone."""

import queue
from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from common.clock import FakeClock
from contract.terminal_config import SensorKind, SensorSection, TerminalConfig
from edge.scenario import ScenarioError, check_against_config, parse_scenario
from edge.sensors import SensorBank, SensorEvent, effective_pull_up

COUNTERS = [
    SensorSection(id="radar-count", kind=SensorKind.MMWAVE_TARGETS, port="/dev/ttyAMA0"),
    SensorSection(id="thermal", kind=SensorKind.THERMAL_ARRAY),
    SensorSection(id="door-count", kind=SensorKind.DOOR_BEAMS, pin_a="GPIO23", pin_b="GPIO24"),
]


@pytest.fixture
def with_counters(aurora_config: TerminalConfig) -> TerminalConfig:
    data = aurora_config.model_dump()
    data["sensors"] += [s.model_dump(exclude_unset=True) for s in COUNTERS]
    return TerminalConfig.model_validate(data)


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.close()


def test_the_sensor_bank_builds_binary_sensors_only(
    with_counters: TerminalConfig, factory: MockFactory
) -> None:
    bank = SensorBank(
        with_counters.sensors, factory, FakeClock(), queue.Queue[SensorEvent | None]()
    )
    try:
        assert bank.sensor_ids == ["pir-ceiling", "radar", "door"]
    finally:
        bank.close()


def test_door_beams_are_pulled_up_by_default() -> None:
    assert effective_pull_up(COUNTERS[2])
    assert not effective_pull_up(COUNTERS[2].model_copy(update={"pull_up": False}))


def test_scenario_steps_cannot_drive_a_counter(with_counters: TerminalConfig) -> None:
    loaded = parse_scenario(
        "name: x\nsteps:\n  - {at: 0, sensor: door-count, action: pulse}\n", "s.yaml"
    )
    with pytest.raises(ScenarioError, match="door_beams people counter"):
        check_against_config(loaded, with_counters, "aurora.yaml")
