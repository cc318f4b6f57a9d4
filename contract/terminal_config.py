"""The terminal configuration file: one YAML file per room terminal.

Operators edit these files in ``firmware_configs/`` and keep them under version
control; the terminal runs from one, and the hub imports rooms, desks and
capacities from all of them. The schema is strict (unknown keys are errors,
with a suggestion), values are coerced where people write them loosely
(``"5m"``, ``17`` for ``GPIO17``), and defaults live only here.
"""

from datetime import time
from enum import StrEnum
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    Field,
    field_validator,
    model_validator,
)

from contract.fusion_config import FusionSection
from contract.ids import Slug
from contract.sensor_config import BINARY_KINDS as BINARY_KINDS  # re-exported, as below
from contract.sensor_config import COUNTING_KINDS as COUNTING_KINDS
from contract.sensor_config import VALID_PIN_NAMES as VALID_PIN_NAMES
from contract.sensor_config import (
    ClockTime,
    Pin,
    SensorKind,
    SensorSection,
    Strict,
    bus_pins,
    check_i2c_addresses,
    check_kind_fields,
)
from contract.sensor_config import LocatedError as _LocatedError
from contract.topics import DEFAULT_PREFIX
from contract.units import Duration
from contract.update_config import UpdateSection

CONFIG_SCHEMA_VERSION: Final = 1


class RoomKind(StrEnum):
    MEETING_ROOM = "meeting_room"
    DESK_AREA = "desk_area"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WORKING_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def timezone_names() -> list[str]:
    return sorted(available_timezones())


_Strict = Strict


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
    # With tls: the CA certificate that signed the broker's (None: the system's CAs), and for
    # a broker listener that wants client certificates, this terminal's certificate and key
    # (docs/security.md, "Broker and devices"). Paths on the terminal.
    ca_file: str | None = Field(default=None, min_length=1)
    cert_file: str | None = Field(default=None, min_length=1)
    key_file: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _tls_files(self) -> "MqttSection":
        named = [n for n in ("ca_file", "cert_file", "key_file") if getattr(self, n) is not None]
        if named and not self.tls:
            raise ValueError(f"{', '.join(named)} only apply with 'tls: true'")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together: give both or neither")
        return self


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
    # The key that seals speech messages in the spool (32 bytes, mode 0600; made on first
    # start if absent). None: next to the spool, <path>.key. docs/spool.md, "Sealed".
    key_file: str | None = Field(default=None, min_length=1)


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
    # Software updates from the hub (contract/update_config.py, docs/fleet.md).
    update: UpdateSection = Field(default_factory=UpdateSection)

    @model_validator(mode="after")
    def _cross_checks(self) -> "TerminalConfig":
        _unique([d.id for d in self.desks], "desks", "desk id")
        _unique([s.id for s in self.sensors], "sensors", "sensor id")
        for index, sensor in enumerate(self.sensors):
            check_kind_fields(index, sensor)
        # Every pin once: buses first, then sensors, then the speech section's in this order.
        used = bus_pins(self.sensors)
        for index, sensor in enumerate(self.sensors):
            for field, pin in sensor.pins():
                if pin in used:
                    raise _LocatedError(
                        ("sensors", index, field), f"pin {pin} is already used by {used[pin]}"
                    )
                used[pin] = f"sensor {sensor.id!r}"
        check_i2c_addresses(self.sensors)
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


def _unique(values: list[str], section: str, what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise _LocatedError((section, index), f"duplicate {what} {value!r}")
        seen.add(value)
