"""The sensors of a terminal configuration: the kinds, the fields each kind takes, GPIO pins and
I2C addresses, and the checks across sensors (a pin or an address used twice, the pins a bus
takes over). Apart from contract/terminal_config.py, which holds the rest of the file's schema
and re-exports these names, because sensors are most of what changes as hardware is added.
"""

import re
from datetime import time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from contract.ids import Slug
from contract.zone import Zone


class Strict(BaseModel):
    """Unknown keys are errors; sections are values."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SensorKind(StrEnum):
    """Sensors a terminal reads (see docs/sensors.md): binary levels and people counters."""

    PIR_MOTION = "pir_motion"  # passive infrared: short pulses while something moves
    MMWAVE_PRESENCE = (
        "mmwave_presence"  # radar presence output (LD2410-class): high while someone is there
    )
    DOOR_CONTACT = "door_contact"  # reed switch: closed (active) while the door is shut
    DESK_PRESENCE = "desk_presence"  # under-desk PIR/radar or seat pad: high while the desk is used
    # People counters (edge/counting/): a count with a confidence, not a level.
    MMWAVE_TARGETS = "mmwave_targets"  # multi-target radar on a serial port (LD2450-class)
    THERMAL_ARRAY = "thermal_array"  # 8x8 thermal array on I2C (AMG8833-class): warm blobs
    DOOR_BEAMS = "door_beams"  # two IR break beams across the doorway: ins minus outs
    # A reading, neither level nor count: evidence for occupancy fusion only.
    CO2 = "co2"  # CO2 in ppm on I2C (Sensirion SCD40/SCD41-class)


#: Kinds that report a people count rather than an active/inactive level.
COUNTING_KINDS = frozenset(
    {SensorKind.MMWAVE_TARGETS, SensorKind.THERMAL_ARRAY, SensorKind.DOOR_BEAMS}
)
#: Kinds that report a measurement read every so often (CO2 in ppm).
READING_KINDS = frozenset({SensorKind.CO2})
BINARY_KINDS = frozenset(SensorKind) - COUNTING_KINDS - READING_KINDS

# Which optional fields each kind takes; anything else set on it is an error.
_BINARY_FIELDS = frozenset({"pin", "pull_up"})
_KIND_FIELDS: dict[SensorKind, frozenset[str]] = {
    SensorKind.PIR_MOTION: _BINARY_FIELDS,
    SensorKind.MMWAVE_PRESENCE: _BINARY_FIELDS,
    SensorKind.DOOR_CONTACT: _BINARY_FIELDS,
    SensorKind.DESK_PRESENCE: _BINARY_FIELDS | {"desk"},
    SensorKind.MMWAVE_TARGETS: frozenset({"port", "baud", "zone"}),
    SensorKind.THERMAL_ARRAY: frozenset({"i2c_bus", "address"}),
    SensorKind.CO2: frozenset({"i2c_bus", "address"}),
    SensorKind.DOOR_BEAMS: frozenset({"pin_a", "pin_b", "pull_up", "reset_at"}),
}
_KIND_REQUIRED: dict[SensorKind, tuple[str, ...]] = {
    SensorKind.MMWAVE_TARGETS: ("port",),
    SensorKind.DOOR_BEAMS: ("pin_a", "pin_b"),
}
_EXAMPLES = {"pin": "GPIO17", "pin_a": "GPIO23", "pin_b": "GPIO24", "port": "/dev/ttyAMA0"}
#: The fields of a sensor that name GPIO pins, in the order a clash is reported.
SENSOR_PIN_FIELDS = ("pin", "pin_a", "pin_b")


#: Header pins of a Raspberry Pi usable as GPIO inputs, by Broadcom number.
GPIO_NUMBERS = range(28)
VALID_PIN_NAMES = [f"GPIO{n}" for n in GPIO_NUMBERS]
_PIN_RE = re.compile(r"^(?:GPIO|BCM)(\d{1,2})$")


def _coerce_pin(value: object) -> str:
    if isinstance(value, bool):
        raise ValueError("a pin is written as GPIO<n>, e.g. GPIO17")
    if isinstance(value, int):
        value = f"GPIO{value}"
    if not isinstance(value, str):
        raise ValueError("a pin is written as GPIO<n>, e.g. GPIO17")
    match = _PIN_RE.match(value.strip().upper())
    if not match or int(match.group(1)) not in GPIO_NUMBERS:
        raise ValueError(f"{value!r} is not a Raspberry Pi GPIO pin (GPIO0 to GPIO27)")
    return f"GPIO{int(match.group(1))}"


Pin = Annotated[str, BeforeValidator(_coerce_pin)]


def _coerce_i2c_address(value: object) -> object:
    # People write addresses in hex as in datasheets; YAML reads 0x69 as 105, "0x69" as text.
    if isinstance(value, str):
        try:
            return int(value.strip(), 0)
        except ValueError:
            raise ValueError(f"{value!r} is not an I2C address: write it like 0x69") from None
    return value


I2cAddress = Annotated[int, BeforeValidator(_coerce_i2c_address), Field(ge=0x03, le=0x77)]


def _coerce_time(value: object) -> object:
    # YAML 1.1 reads an unquoted 09:00 as the sexagesimal integer 540.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    return value


ClockTime = Annotated[time, BeforeValidator(_coerce_time)]


class SensorSection(Strict):
    """One sensor; which fields apply depends on ``kind`` (checked by TerminalConfig)."""

    id: Slug
    kind: SensorKind
    # Binary kinds: the GPIO input.
    pin: Pin | None = None
    # Which desk a desk_presence sensor watches.
    desk: Slug | None = None
    # Reed switches, break-beam receivers and open-collector outputs need the internal pull-up.
    pull_up: bool | None = None
    # mmwave_targets: the serial device and speed (LD2450 factory default: 256000 baud), and
    # where targets count as people in the room (None: everywhere the radar sees).
    port: str | None = Field(default=None, min_length=1)
    baud: int = Field(default=256_000, ge=1200, le=3_000_000)
    zone: Zone | None = None
    # thermal_array and co2: the I2C bus (/dev/i2c-1) and the address (None: the kind's own,
    # AMG8833 0x69 (or 0x68 when soldered so), SCD4x 0x62: see I2C_ADDRESSES).
    i2c_bus: int = Field(default=1, ge=0, le=31)
    address: I2cAddress | None = None
    # door_beams: beam A on the corridor side, beam B on the room side (A then B = in).
    pin_a: Pin | None = None
    pin_b: Pin | None = None
    # door_beams: local time when the count is set back to 0 (the room is empty then).
    reset_at: ClockTime | None = None

    @property
    def i2c_address(self) -> int:
        """The I2C address in use: the one given, or the kind's own."""
        return self.address if self.address is not None else I2C_ADDRESSES[self.kind]

    def pins(self) -> list[tuple[str, str]]:
        """(field, pin) of every GPIO pin this sensor uses."""
        return [(f, p) for f in SENSOR_PIN_FIELDS if (p := getattr(self, f)) is not None]


class LocatedError(ValueError):
    """A cross-field error that knows which field it is about."""

    def __init__(
        self,
        loc: tuple[str | int, ...],
        message: str,
        suggestions: list[str] | None = None,
        given: str | None = None,
    ) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.suggestions = suggestions or []
        self.given = given


#: The default address of each I2C kind.
I2C_ADDRESSES = {SensorKind.THERMAL_ARRAY: 0x69, SensorKind.CO2: 0x62}
I2C_KINDS = frozenset(I2C_ADDRESSES)

#: Header pins a bus takes over: the Pi's I2C bus 1 and its primary UART.
_I2C1_PINS = ("GPIO2", "GPIO3")
_UART_PINS = ("GPIO14", "GPIO15")
_UART_PORTS = frozenset({"/dev/serial0", "/dev/ttyAMA0", "/dev/ttyS0"})


def bus_pins(sensors: list[SensorSection]) -> dict[str, str]:
    """Pins taken by the I2C bus or UART a counting sensor uses, and by whom."""
    used: dict[str, str] = {}
    for sensor in sensors:
        if sensor.kind in I2C_KINDS and sensor.i2c_bus == 1:
            used.update(dict.fromkeys(_I2C1_PINS, f"I2C bus 1 (sensor {sensor.id!r})"))
        if sensor.kind is SensorKind.MMWAVE_TARGETS and sensor.port in _UART_PORTS:
            used.update(dict.fromkeys(_UART_PINS, f"the UART (sensor {sensor.id!r})"))
    return used


def check_kind_fields(index: int, sensor: SensorSection) -> None:
    """Each kind has its own fields: a missing one, or one of another kind, is located."""
    allowed = _KIND_FIELDS[sensor.kind]
    required = ("pin",) if sensor.kind in BINARY_KINDS else _KIND_REQUIRED.get(sensor.kind, ())
    for field in required:
        if getattr(sensor, field) is None:
            raise LocatedError(
                ("sensors", index, field),
                f"a {sensor.kind.value} sensor needs '{field}: {_EXAMPLES[field]}'",
            )
    # A field counts as given when it differs from its default, not when it was written: a
    # config dumped with every default (model_dump) must load again unchanged.
    given = {
        name
        for name, info in SensorSection.model_fields.items()
        if name not in ("id", "kind", "desk") and getattr(sensor, name) != info.default
    }
    for field in sorted(given - allowed):
        takes = ", ".join(sorted(allowed)) or "no other fields"
        raise LocatedError(
            ("sensors", index, field),
            f"a {sensor.kind.value} sensor has no '{field}' (it takes: {takes})",
        )


def check_i2c_addresses(sensors: list[SensorSection]) -> None:
    """Two devices cannot answer at one address of one bus."""
    taken: dict[tuple[int, int], str] = {}
    for index, sensor in enumerate(sensors):
        if sensor.kind not in I2C_KINDS:
            continue
        key = (sensor.i2c_bus, sensor.i2c_address)
        if key in taken:
            raise LocatedError(
                ("sensors", index, "address"),
                f"address {key[1]:#04x} on I2C bus {key[0]} is already used by {taken[key]}",
            )
        taken[key] = f"sensor {sensor.id!r}"
