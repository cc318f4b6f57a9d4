"""The terminal's sensors as real gpiozero devices behind a small interface.

Every device gets the pin factory passed in (lgpio on a Pi, MockFactory in
simulation and tests); gpiozero's class-level ``Device.pin_factory`` global is
never touched. Edge callbacks put :class:`SensorEvent` items on a thread-safe
queue: on a Pi they run in lgpio's callback thread, with MockFactory they run
synchronously inside ``pin.drive_high()``/``drive_low()``.

All kinds use :class:`gpiozero.DigitalInputDevice`. ``MotionSensor`` would
smooth the PIR through a queue sampled by a background thread at 10 Hz: its
callbacks arrive late and from another thread, and a short pulse (a 2 s PIR
pulse replayed at 600x lasts 3 ms) is missed entirely. PIR modules already
give a clean, debounced output, so the smoothing buys nothing here.
"""

import logging
import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gpiozero import DigitalInputDevice

from common.clock import Clock
from contract.terminal_config import BINARY_KINDS, SensorKind, SensorSection
from edge.fusion.signals import Signal

log = logging.getLogger(__name__)

# Reed switches bounce for a few milliseconds when the door closes.
DOOR_BOUNCE_S = 0.05


@dataclass(frozen=True)
class SensorEvent:
    sensor_id: str
    kind: SensorKind
    active: bool
    at_monotonic: float


#: The agent's inbox: sensor events, other occupancy signals (the speech flag, CO2 in a
#: simulation), or None to wake it up (e.g. on shutdown).
EventQueue = queue.Queue[SensorEvent | Signal | None]


class HardwareUnavailable(RuntimeError):
    """The GPIO of a Raspberry Pi cannot be used here."""


class SensorSetupError(RuntimeError):
    """A configured sensor could not be set up on its pin."""


#: Kinds wired to ground (reed switches, open-collector break-beam receivers).
PULLED_UP_KINDS = frozenset({SensorKind.DOOR_CONTACT, SensorKind.DOOR_BEAMS})


def effective_pull_up(sensor: SensorSection) -> bool:
    """Door contacts and break beams pull to ground: pull-up unless configured otherwise.

    Other kinds have push-pull outputs that drive the pin high when active; the
    internal pull-down keeps an unplugged sensor reading "inactive".
    """
    if sensor.pull_up is not None:
        return sensor.pull_up
    return sensor.kind in PULLED_UP_KINDS


def raspberry_pi_pin_factory() -> Any:
    """The lgpio pin factory of a Raspberry Pi, or a message saying what to do instead."""
    hint = (
        "install the Pi extra on a Raspberry Pi (pip install 'quorum-rooms[pi]'), "
        "or run without hardware: python -m edge run --config FILE --simulate SCENARIO"
    )
    try:
        from gpiozero.pins.lgpio import LGPIOFactory
    except ImportError as exc:
        raise HardwareUnavailable(
            f"the lgpio pin driver is not installed ({exc}); {hint}"
        ) from None
    try:
        return LGPIOFactory()
    except Exception as exc:  # lgpio raises plain errors when /dev/gpiochip* is missing
        raise HardwareUnavailable(f"cannot open the GPIO chip ({exc}); {hint}") from None


class SensorBank:
    """One gpiozero input device per binary sensor, reporting edges to a queue.

    People counters (serial, I2C, door beams) are not levels: edge/counting/ reads them.
    """

    def __init__(
        self,
        sensors: Sequence[SensorSection],
        pin_factory: Any,
        clock: Clock,
        events: EventQueue,
    ) -> None:
        self._clock = clock
        self._events = events
        sensors = [s for s in sensors if s.kind in BINARY_KINDS]
        self._sensors = {s.id: s for s in sensors}
        self._devices: dict[str, DigitalInputDevice] = {}
        try:
            for sensor in sensors:
                self._devices[sensor.id] = self._build(sensor, pin_factory)
        except Exception:
            self.close()
            raise

    def _build(self, sensor: SensorSection, pin_factory: Any) -> DigitalInputDevice:
        try:
            device = DigitalInputDevice(
                sensor.pin,
                pull_up=effective_pull_up(sensor),
                bounce_time=DOOR_BOUNCE_S if sensor.kind is SensorKind.DOOR_CONTACT else None,
                pin_factory=pin_factory,
            )
        except Exception as exc:
            raise SensorSetupError(f"sensor {sensor.id!r} on {sensor.pin}: {exc}") from exc
        device.when_activated = self._callback(sensor, True)
        device.when_deactivated = self._callback(sensor, False)
        return device

    def _callback(self, sensor: SensorSection, active: bool) -> Callable[[], None]:
        def on_edge() -> None:
            # Stamp here, not when the agent gets round to it: that is when it happened.
            self._events.put(SensorEvent(sensor.id, sensor.kind, active, self._clock.monotonic()))

        return on_edge

    @property
    def sensor_ids(self) -> list[str]:
        return list(self._devices)

    def active_now(self) -> list[str]:
        """Ids of the sensors whose input is active right now (read at start-up)."""
        return [sensor_id for sensor_id, device in self._devices.items() if device.is_active]

    def device(self, sensor_id: str) -> DigitalInputDevice:
        return self._devices[sensor_id]

    def close(self) -> None:
        for device in self._devices.values():
            device.close()
        self._devices.clear()


class MockSensorDriver:
    """Drives MockFactory pins as the sensors would: for pull-up wiring, active is low."""

    def __init__(self, bank: SensorBank, sensors: Sequence[SensorSection]) -> None:
        self._bank = bank
        self._active_low = {s.id: effective_pull_up(s) for s in sensors}

    def set_active(self, sensor_id: str, active: bool) -> None:
        drive_mock_pin(self._bank.device(sensor_id).pin, active, self._active_low[sensor_id])


def drive_mock_pin(pin: Any, active: bool, active_low: bool) -> None:
    """Drive a MockFactory pin to the level that means ``active`` for this wiring."""
    if active != active_low:
        pin.drive_high()
    else:
        pin.drive_low()
