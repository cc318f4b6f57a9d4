"""Real gpiozero devices on MockFactory pins, with an injected pin factory."""

import builtins
import queue
from collections.abc import Iterator
from typing import Any

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from common.clock import FakeClock
from contract.terminal_config import SensorKind, SensorSection, TerminalConfig
from edge.sensors import (
    EventQueue,
    HardwareUnavailable,
    MockSensorDriver,
    SensorBank,
    SensorEvent,
    SensorSetupError,
    effective_pull_up,
    raspberry_pi_pin_factory,
)


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.close()


def drain(events: EventQueue) -> list[SensorEvent | None]:
    items = []
    while not events.empty():
        items.append(events.get_nowait())
    return items


def test_edges_become_events_stamped_by_the_injected_clock(
    aurora_config: TerminalConfig, factory: MockFactory
) -> None:
    clock, events = FakeClock(), queue.Queue[SensorEvent | None]()
    bank = SensorBank(aurora_config.sensors, factory, clock, events)
    try:
        driver = MockSensorDriver(bank, aurora_config.sensors)
        driver.set_active("pir-ceiling", True)
        clock.advance(2)
        driver.set_active("pir-ceiling", False)
        driver.set_active("radar", True)
        t = clock.monotonic()
        # Callbacks are synchronous with MockFactory: the events are there already.
        assert drain(events) == [
            SensorEvent("pir-ceiling", SensorKind.PIR_MOTION, True, t - 2),
            SensorEvent("pir-ceiling", SensorKind.PIR_MOTION, False, t),
            SensorEvent("radar", SensorKind.MMWAVE_PRESENCE, True, t),
        ]
    finally:
        bank.close()


def test_a_pulled_up_door_contact_is_active_when_the_pin_is_low(
    aurora_config: TerminalConfig, factory: MockFactory
) -> None:
    events: EventQueue = queue.Queue()
    bank = SensorBank(aurora_config.sensors, factory, FakeClock(), events)
    try:
        door = bank.device("door")
        assert door.pull_up is True
        assert door.pin.state == 1 and not door.is_active  # open door: the pull-up wins
        MockSensorDriver(bank, aurora_config.sensors).set_active("door", True)
        assert door.pin.state == 0 and door.is_active
        [event] = drain(events)
        assert event is not None and (event.sensor_id, event.active) == ("door", True)
    finally:
        bank.close()


def test_nothing_is_active_at_start_and_active_now_reads_the_pins(
    aurora_config: TerminalConfig, factory: MockFactory
) -> None:
    bank = SensorBank(aurora_config.sensors, factory, FakeClock(), queue.Queue())
    try:
        assert bank.active_now() == []
        factory.pin("GPIO27").drive_high()
        assert bank.active_now() == ["radar"]
    finally:
        bank.close()


def test_the_global_pin_factory_is_never_set(
    aurora_config: TerminalConfig, factory: MockFactory
) -> None:
    bank = SensorBank(aurora_config.sensors, factory, FakeClock(), queue.Queue())
    bank.close()
    assert Device.pin_factory is None


def test_every_device_is_a_digital_input_on_its_configured_pin(
    east_desks_config: TerminalConfig, factory: MockFactory
) -> None:
    bank = SensorBank(east_desks_config.sensors, factory, FakeClock(), queue.Queue())
    try:
        assert bank.sensor_ids == [s.id for s in east_desks_config.sensors]
        for sensor in east_desks_config.sensors:
            device = bank.device(sensor.id)
            assert type(device).__name__ == "DigitalInputDevice"
            assert device.pin.info.name == sensor.pin
            assert device.pull_up is False
    finally:
        bank.close()


def test_a_pin_that_cannot_be_used_names_the_sensor(factory: MockFactory) -> None:
    # GPIO2 has a fixed pull-up on the Pi, so a pull-down is impossible.
    sensors = [
        SensorSection(id="pir", kind=SensorKind.PIR_MOTION, pin="GPIO17"),
        SensorSection(id="radar", kind=SensorKind.MMWAVE_PRESENCE, pin="GPIO2"),
    ]
    with pytest.raises(SensorSetupError, match="sensor 'radar' on GPIO2"):
        SensorBank(sensors, factory, FakeClock(), queue.Queue())
    # The devices built before the failure were closed: the pin is free again.
    SensorBank(sensors[:1], factory, FakeClock(), queue.Queue()).close()


@pytest.mark.parametrize(
    ("kind", "pull_up", "expected"),
    [
        (SensorKind.DOOR_CONTACT, None, True),
        (SensorKind.DOOR_CONTACT, False, False),
        (SensorKind.PIR_MOTION, None, False),
        (SensorKind.MMWAVE_PRESENCE, True, True),
    ],
)
def test_effective_pull_up(kind: SensorKind, pull_up: bool | None, expected: bool) -> None:
    sensor = SensorSection(id="s", kind=kind, pin="GPIO5", pull_up=pull_up)
    assert effective_pull_up(sensor) is expected


def test_without_lgpio_the_message_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_lgpio(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("gpiozero.pins.lgpio") or name == "lgpio":
            raise ImportError("No module named 'lgpio'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_lgpio)
    with pytest.raises(HardwareUnavailable) as caught:
        raspberry_pi_pin_factory()
    assert "quorum-rooms[pi]" in str(caught.value) and "--simulate SCENARIO" in str(caught.value)
