"""The terminal configuration file: one YAML file per room terminal.

Operators edit these files in ``firmware_configs/`` and keep them under version
control; the terminal runs from one, and the hub imports rooms, desks and
capacities from all of them. The schema is strict (unknown keys are errors,
with a suggestion), values are coerced where people write them loosely
(``"5m"``, ``17`` for ``GPIO17``), and defaults live only here.
"""

import re
from datetime import time
from enum import StrEnum
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from contract.fusion_config import FusionSection
from contract.ids import Slug
from contract.topics import DEFAULT_PREFIX
from contract.units import Duration
from contract.zone import Zone

CONFIG_SCHEMA_VERSION: Final = 1


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


#: Kinds that report a people count rather than an active/inactive level.
COUNTING_KINDS = frozenset(
    {SensorKind.MMWAVE_TARGETS, SensorKind.THERMAL_ARRAY, SensorKind.DOOR_BEAMS}
)
BINARY_KINDS = frozenset(SensorKind) - COUNTING_KINDS

# Which optional fields each kind takes; anything else set on it is an error.
_BINARY_FIELDS = frozenset({"pin", "pull_up"})
_KIND_FIELDS: dict[SensorKind, frozenset[str]] = {
    SensorKind.PIR_MOTION: _BINARY_FIELDS,
    SensorKind.MMWAVE_PRESENCE: _BINARY_FIELDS,
    SensorKind.DOOR_CONTACT: _BINARY_FIELDS,
    SensorKind.DESK_PRESENCE: _BINARY_FIELDS | {"desk"},
    SensorKind.MMWAVE_TARGETS: frozenset({"port", "baud", "zone"}),
    SensorKind.THERMAL_ARRAY: frozenset({"i2c_bus", "address"}),
    SensorKind.DOOR_BEAMS: frozenset({"pin_a", "pin_b", "pull_up", "reset_at"}),
}
_KIND_REQUIRED: dict[SensorKind, tuple[str, ...]] = {
    SensorKind.MMWAVE_TARGETS: ("port",),
    SensorKind.DOOR_BEAMS: ("pin_a", "pin_b"),
}
_EXAMPLES = {"pin": "GPIO17", "pin_a": "GPIO23", "pin_b": "GPIO24", "port": "/dev/ttyAMA0"}
#: The fields of a sensor that name GPIO pins, in the order a clash is reported.
SENSOR_PIN_FIELDS = ("pin", "pin_a", "pin_b")


class RoomKind(StrEnum):
    MEETING_ROOM = "meeting_room"
    DESK_AREA = "desk_area"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WORKING_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")

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


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def timezone_names() -> list[str]:
    return sorted(available_timezones())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TerminalSection(_Strict):
    id: Slug
    name: str | None = None


class SiteSection(_Strict):
    id: Slug
    name: str


class BuildingSection(_Strict):
    id: Slug
    name: str


class FloorSection(_Strict):
    id: Slug
    name: str
    level: int = 0


class WorkingHours(_Strict):
    start: ClockTime = time(9, 0)
    end: ClockTime = time(17, 0)
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: list(_WORKING_DAYS)
    )

    @model_validator(mode="after")
    def _end_after_start(self) -> "WorkingHours":
        if self.end <= self.start:
            raise ValueError("working_hours.end must be later than working_hours.start")
        return self


class RoomSection(_Strict):
    id: Slug
    name: str
    kind: RoomKind = RoomKind.MEETING_ROOM
    capacity: int = Field(ge=0)
    timezone: str
    department: Slug | None = None
    working_hours: WorkingHours = Field(default_factory=WorkingHours)

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))


class DeskSection(_Strict):
    id: Slug
    name: str | None = None


class SensorSection(_Strict):
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
    # thermal_array: the I2C bus (/dev/i2c-1) and the address (AMG8833: 0x69, or 0x68).
    i2c_bus: int = Field(default=1, ge=0, le=31)
    address: I2cAddress = 0x69
    # door_beams: beam A on the corridor side, beam B on the room side (A then B = in).
    pin_a: Pin | None = None
    pin_b: Pin | None = None
    # door_beams: local time when the count is set back to 0 (the room is empty then).
    reset_at: ClockTime | None = None

    def pins(self) -> list[tuple[str, str]]:
        """(field, pin) of every GPIO pin this sensor uses."""
        return [(f, p) for f in SENSOR_PIN_FIELDS if (p := getattr(self, f)) is not None]


#: How the terminal decides occupancy (docs/sensors.md): Bayesian fusion of every signal
#: (docs/fusion.md, the ``fusion:`` section), or the hold rules of edge/occupancy.py.
OccupancyEstimator = Literal["fusion", "holds"]


class OccupancySection(_Strict):
    estimator: OccupancyEstimator = "fusion"
    # Hold rules only: a PIR pulses while people move; the room stays occupied this long after
    # the last pulse (fusion weighs silence instead: fusion.likelihoods).
    room_hold: Duration = 300.0
    desk_hold: Duration = 600.0
    heartbeat: Duration = 60.0


class MqttSection(_Strict):
    host: str = "localhost"
    port: int = Field(default=1883, ge=1, le=65535)
    prefix: str = DEFAULT_PREFIX
    # "auto" tries MQTT 5 and falls back to 3.1.1 when the broker refuses it.
    protocol: Literal["auto", "5", "3.1.1"] = "auto"
    keepalive: Duration = 30.0
    username: str | None = None
    # A reference, never the secret itself: "env:VARIABLE" or "file:/path/to/secret".
    password: str | None = Field(default=None, pattern=r"^(env|file):.+$")
    tls: bool = False


#: Where a terminal keeps its outbox when the config names no ``spool.path``.
DEFAULT_SPOOL_DIR: Final = "/var/lib/quorum"


def default_spool_path(terminal_id: str) -> str:
    return f"{DEFAULT_SPOOL_DIR}/spool-{terminal_id}.sqlite"


class SpoolSection(_Strict):
    """The terminal's on-disk outbox (docs/spool.md): messages stay until the hub confirms them."""

    # None: default_spool_path(terminal.id); a simulated run uses a temporary directory instead.
    path: str | None = Field(default=None, min_length=1)
    # When either bound is reached, old heartbeats, sensor events, then occupancy are dropped.
    max_messages: int = Field(default=50_000, ge=10)
    max_mb: float = Field(default=64.0, gt=0)
    # Re-publish a message the hub has not confirmed this long after the broker took it.
    resend_after: Duration = Field(default=30.0, gt=0)


class MicrophoneSection(_Strict):
    # A PortAudio device index or (part of) its name; None: the system's default input.
    device: int | str | None = None
    channel: Literal["mix", "left", "right"] = "mix"


def _check_phrase(value: str) -> str:
    phrase = " ".join(value.split())
    if not any(c.isalnum() for c in phrase):
        raise ValueError(f"a wake phrase needs words, got {value!r}")
    return phrase


WakePhrase = Annotated[str, Field(min_length=2, max_length=60), AfterValidator(_check_phrase)]

#: The speech section's pins, in the order a clash is reported.
SPEECH_PINS = (
    "minutes_button",
    "off_record_button",
    "minutes_led",
    "talk_button",
    "mute_switch",
    "mute_led",
    "voice_led",
)


class SpeechSection(_Strict):
    """Minutes sessions and the speech-activity flag (docs/speech-terminal.md). Off by default.

    Audio stays in memory; only ``record_audio`` (an operator's explicit choice) writes it to
    disk, as one WAV file per minutes session under ``record_dir``.
    """

    enabled: bool = False
    microphone: MicrophoneSection = Field(default_factory=MicrophoneSection)
    # A model name (tiny.en, base) or the path of a CTranslate2 Whisper model folder.
    model: str = Field(default="tiny.en", min_length=1)
    language: str = Field(default="auto", pattern=r"^(auto|[a-z]{2,3})$")
    threads: int = Field(default=2, ge=1, le=16)
    # Silence that ends an utterance.
    end_silence: Duration = Field(default=0.7, gt=0)
    # A push button (gpiozero Button, to ground) that starts and stops a minutes session.
    minutes_button: Pin | None = None
    # A push button that takes the running session off the record, and back on.
    off_record_button: Pin | None = None
    # An LED (gpiozero LED): on while minutes are taken, blinking while off the record.
    minutes_led: Pin | None = None
    # Say "Minutes are being taken in this room." at the start (local Piper voice, if any).
    announce: bool = True
    record_audio: bool = False
    record_dir: str = Field(default="/var/lib/quorum/recordings", min_length=1)
    # Publish the speech-activity flag (events/speech_activity) for occupancy.
    activity: bool = True
    # Voice commands (docs/voice-commands.md, "On the terminal"): on whenever speech is.
    voice_commands: bool = True
    # Phrases that make an utterance a command; None: the language's defaults ("hey
    # quorum", ...); an empty list: push-to-talk only.
    wake_phrases: list[WakePhrase] | None = Field(default=None, max_length=10)
    # A push button: the next thing said (within 6 s) is a command, no wake phrase needed.
    talk_button: Pin | None = None
    # A switch (gpiozero Button, closed = muted): the microphone hears nothing while closed.
    mute_switch: Pin | None = None
    # An LED: on while the microphone is muted (switch or the "mute" command).
    mute_led: Pin | None = None
    # An LED that confirms voice commands (two blinks done, one long refused, ...).
    voice_led: Pin | None = None


class TerminalConfig(_Strict):
    version: Literal[1] = CONFIG_SCHEMA_VERSION
    terminal: TerminalSection
    site: SiteSection
    building: BuildingSection
    floor: FloorSection
    room: RoomSection
    desks: list[DeskSection] = Field(default_factory=list)
    sensors: list[SensorSection] = Field(min_length=1)
    occupancy: OccupancySection = Field(default_factory=OccupancySection)
    # Occupancy fusion's tunable numbers (contract/fusion_config.py, docs/fusion.md): optional.
    fusion: FusionSection = Field(default_factory=FusionSection)
    mqtt: MqttSection = Field(default_factory=MqttSection)
    spool: SpoolSection = Field(default_factory=SpoolSection)
    speech: SpeechSection = Field(default_factory=SpeechSection)

    @model_validator(mode="after")
    def _cross_checks(self) -> "TerminalConfig":
        _unique([d.id for d in self.desks], "desks", "desk id")
        _unique([s.id for s in self.sensors], "sensors", "sensor id")
        for index, sensor in enumerate(self.sensors):
            _check_kind_fields(index, sensor)
        # Every pin once: buses first, then sensors, then the speech section's in this order.
        used = _bus_pins(self.sensors)
        for index, sensor in enumerate(self.sensors):
            for field, pin in sensor.pins():
                if pin in used:
                    raise _LocatedError(
                        ("sensors", index, field), f"pin {pin} is already used by {used[pin]}"
                    )
                used[pin] = f"sensor {sensor.id!r}"
        for key in SPEECH_PINS:
            pin = getattr(self.speech, key)
            if pin is None:
                continue
            if pin in used:
                raise _LocatedError(("speech", key), f"pin {pin} is already used by {used[pin]}")
            used[pin] = f"speech.{key}"
        desk_ids = {d.id for d in self.desks}
        for index, sensor in enumerate(self.sensors):
            if sensor.kind is SensorKind.DESK_PRESENCE:
                if sensor.desk is None:
                    raise _LocatedError(
                        ("sensors", index, "desk"), "a desk_presence sensor needs 'desk: <desk id>'"
                    )
                if sensor.desk not in desk_ids:
                    raise _LocatedError(
                        ("sensors", index, "desk"),
                        f"desk {sensor.desk!r} is not listed under 'desks'",
                        suggestions=sorted(desk_ids),
                        given=sensor.desk,
                    )
            elif sensor.desk is not None:
                raise _LocatedError(
                    ("sensors", index, "desk"), "only desk_presence sensors name a desk"
                )
        if self.room.kind is RoomKind.DESK_AREA and not self.desks:
            raise _LocatedError(("desks",), "a desk_area room needs at least one desk")
        return self

    def sensors_of(self, *kinds: SensorKind) -> list[SensorSection]:
        return [s for s in self.sensors if s.kind in kinds]


class _LocatedError(ValueError):
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


#: Header pins a bus takes over: the Pi's I2C bus 1 and its primary UART.
_I2C1_PINS = ("GPIO2", "GPIO3")
_UART_PINS = ("GPIO14", "GPIO15")
_UART_PORTS = frozenset({"/dev/serial0", "/dev/ttyAMA0", "/dev/ttyS0"})


def _bus_pins(sensors: list[SensorSection]) -> dict[str, str]:
    """Pins taken by the I2C bus or UART a counting sensor uses, and by whom."""
    used: dict[str, str] = {}
    for sensor in sensors:
        if sensor.kind is SensorKind.THERMAL_ARRAY and sensor.i2c_bus == 1:
            used.update(dict.fromkeys(_I2C1_PINS, f"I2C bus 1 (sensor {sensor.id!r})"))
        if sensor.kind is SensorKind.MMWAVE_TARGETS and sensor.port in _UART_PORTS:
            used.update(dict.fromkeys(_UART_PINS, f"the UART (sensor {sensor.id!r})"))
    return used


def _check_kind_fields(index: int, sensor: SensorSection) -> None:
    """Each kind has its own fields: a missing one, or one of another kind, is located."""
    allowed = _KIND_FIELDS[sensor.kind]
    required = ("pin",) if sensor.kind in BINARY_KINDS else _KIND_REQUIRED.get(sensor.kind, ())
    for field in required:
        if getattr(sensor, field) is None:
            raise _LocatedError(
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
        raise _LocatedError(
            ("sensors", index, field),
            f"a {sensor.kind.value} sensor has no '{field}' (it takes: {takes})",
        )


def _unique(values: list[str], section: str, what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise _LocatedError((section, index), f"duplicate {what} {value!r}")
        seen.add(value)
