"""Payload models for each message type, and decoding of raw MQTT messages.

Decoding never raises anything but :class:`ContractError`, whose ``reason``
is one of the short codes below: the hub counts dead letters by it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from contract import CONTRACT_VERSION
from contract.config_push import ConfigReportData
from contract.envelope import BootId, Envelope
from contract.ids import Slug
from contract.intent_data import IntentData
from contract.minutes_data import MinutesData, MinutesDeletedData
from contract.topics import TopicError, TopicParts, parse_topic
from contract.update_data import UpdateReportData

MAX_PAYLOAD_BYTES = 256 * 1024


class Reason(StrEnum):
    BAD_TOPIC = "bad_topic"
    TOO_LARGE = "too_large"
    MALFORMED_JSON = "malformed_json"
    INVALID_ENVELOPE = "invalid_envelope"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_DATA = "invalid_data"
    TOPIC_MISMATCH = "topic_mismatch"
    # Found by the hub against its organisation model, not by decoding alone:
    UNKNOWN_ROOM = "unknown_room"
    UNKNOWN_DEVICE = "unknown_device"
    UNKNOWN_SPACE = "unknown_space"
    DEVICE_REVOKED = "device_revoked"


class ContractError(ValueError):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StatusData(_Data):
    """Retained on the status topic; the Last Will carries ``state: offline``."""

    state: Literal["online", "offline"]
    reason: str | None = None  # "start", "reconnect", "shutdown", "will"
    software_version: str | None = None
    config_version: str | None = None


SpaceKind = Literal["room", "desk"]


#: The highest headcount band a message may carry ("20 or more").
MAX_BAND = 20
#: P(occupied), and how sure a band is: 0..1.
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Band = Annotated[int, Field(ge=0, le=MAX_BAND)]
BandTop = Annotated[int, Field(ge=1, le=MAX_BAND)]


def _band_within_top(band: int | None, band_top: int | None) -> None:
    if band is not None and band_top is not None and band > band_top:
        raise ValueError(f"band ({band}) is above band_top ({band_top})")


class OccupancyData(_Data):
    """A change of a room's or desk's occupancy. The envelope's ``ts`` is when it happened.

    Sent on every change of ``occupied``; with fusion, for a room also when its band changed
    and the new band held for 30 s. The fusion fields are optional (None: no fusion, or not
    known), so terminals running hold rules and older messages stay valid.
    """

    space: SpaceKind
    space_id: Slug
    occupied: bool
    # The sources that decided this state, strongest first: sensor ids, and with fusion also
    # "speech", "co2" and "door_sealed" (for explanations in the hub).
    signals: list[str] = Field(default_factory=list)
    # True for the state reported at start-up, which is not a change seen by sensors.
    initial: bool = False
    # Fusion: P(occupied) at ``ts``.
    probability: Share | None = None
    # Fusion: headcount band 0, 1, 2, ...; ``band == band_top`` means "band_top or more".
    # None: the number is unknown (and always for a desk).
    band: Band | None = None
    # Fusion: the room's top band (3 for Density's 0/1/2/3+, 5 with a counter that counts on).
    band_top: BandTop | None = None
    band_confidence: Share | None = None

    @model_validator(mode="after")
    def _band(self) -> "OccupancyData":
        _band_within_top(self.band, self.band_top)
        return self


class SpaceState(_Data):
    """One space in a heartbeat: its state as last reported, with the same optional fields."""

    space: SpaceKind
    space_id: Slug
    occupied: bool
    signals: list[str] = Field(default_factory=list)
    probability: Share | None = None
    band: Band | None = None
    band_top: BandTop | None = None
    band_confidence: Share | None = None

    @model_validator(mode="after")
    def _band(self) -> "SpaceState":
        _band_within_top(self.band, self.band_top)
        return self


class SpoolFill(_Data):
    """How full the terminal's spool was when it built a heartbeat, against its bounds.

    The spool drops old heartbeats, sensor events and occupancy samples once either bound is
    reached; speech it keeps even over the bound, so ``pending`` may exceed ``max_messages``
    (and ``bytes`` ``max_bytes``).
    """

    pending: int = Field(ge=0)  # messages waiting for the hub's confirmation
    max_messages: int = Field(ge=1)
    bytes: int = Field(ge=0)  # their payloads' size
    max_bytes: int = Field(ge=1)

    @property
    def used(self) -> float:
        """The fuller of the two shares (1.0 = at a bound; more when speech is kept over it)."""
        return max(self.pending / self.max_messages, self.bytes / self.max_bytes)


class HeartbeatData(_Data):
    uptime_s: float = Field(ge=0)
    interval_s: float = Field(gt=0)
    spaces: list[SpaceState] = Field(default_factory=list)
    # None: a terminal without a spool, or one older than this field.
    spool: SpoolFill | None = None
    # The configuration the terminal runs, as in its status (contract/config_push.py); None:
    # an older terminal.
    config_version: str | None = Field(default=None, max_length=64)


class SensorEventData(_Data):
    """A raw sensor transition (door opened, motion pulse), for explanations and fusion."""

    sensor_id: Slug
    kind: str
    active: bool


MAX_GAP_RANGES = 1000


class SeqRange(_Data):
    """``first`` through ``last`` of one boot's sequence numbers, both included."""

    first: int = Field(ge=1)
    last: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> "SeqRange":
        if self.last < self.first:
            raise ValueError(f"last ({self.last}) is before first ({self.first})")
        return self


class SpoolGapData(_Data):
    """The terminal gave up messages it produced: the hub stops waiting for them.

    ``spool_full``: its bounded spool dropped old occupancy samples, heartbeats or sensor
    events (never speech). ``not_in_spool``: the hub asked for a replay of messages the
    spool does not hold (a replaced disk, or a boot the terminal never had).
    """

    boot: BootId
    ranges: list[SeqRange] = Field(min_length=1, max_length=MAX_GAP_RANGES)
    reason: Literal["spool_full", "not_in_spool"]

    @property
    def count(self) -> int:
        return sum(r.last - r.first + 1 for r in self.ranges)


#: A minutes session's id, made by the terminal: ``YYYYMMDDTHHMMSS-<random hex>``.
SessionId = BootId
MAX_TRANSCRIPT_CHARS = 10_000
#: A language code as Whisper names them ("en", "zh", "yue"...).
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class TranscriptData(_Data):
    """One piece of a minutes session's transcript. Text only: audio never leaves the terminal.

    ``segment`` counts the session's final segments from 0; an interim hypothesis
    (``final: false``) carries the index its final segment will have and is replaced by it.
    ``start_s``/``end_s`` are seconds from the session's first audio sample, taken at
    ``started_at`` (UTC), so the hub can place a segment in wall time.
    """

    session: SessionId
    segment: int = Field(ge=0)
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    started_at: AwareDatetime
    text: str = Field(max_length=MAX_TRANSCRIPT_CHARS)
    final: bool = True
    language: LanguageCode | None = None

    @field_validator("started_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _ordered(self) -> "TranscriptData":
        if self.end_s < self.start_s:
            raise ValueError(f"end_s ({self.end_s}) is before start_s ({self.start_s})")
        return self


class SpeechActivityData(_Data):
    """Someone is speaking in the room (or no longer). A flag for occupancy, never audio."""

    active: bool


# ``paused``/``resumed``: "off the record" (capture stops until resumed; nothing is kept).
MinutesState = Literal["started", "stopped", "paused", "resumed"]
#: Why a session started or stopped; ``shutdown``: the terminal stopped while it ran;
#: ``audio_ended``: its audio source ended by itself (a file played with ``--speech-from``).
MinutesReason = Literal["hub_command", "button", "voice", "error", "shutdown", "audio_ended"]


class MinutesSessionData(_Data):
    """A minutes session started or stopped on the terminal.

    ``segments`` (on stop) is how many final transcript segments the session published;
    ``recording`` says whether the operator enabled writing its audio to the terminal's disk.
    """

    session: SessionId
    state: MinutesState
    reason: MinutesReason
    started_at: AwareDatetime
    stopped_at: AwareDatetime | None = None
    segments: int | None = Field(default=None, ge=0)
    title: str | None = Field(default=None, max_length=300)
    language: str | None = Field(default=None, max_length=16)
    booking_occurrence_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    recording: bool = False
    detail: str | None = Field(default=None, max_length=500)  # what went wrong, for "error"

    @field_validator("started_at", "stopped_at")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)


DATA_MODELS: dict[str, type[BaseModel]] = {
    "status": StatusData,
    "occupancy": OccupancyData,
    "heartbeat": HeartbeatData,
    "sensor": SensorEventData,
    "spool_gap": SpoolGapData,
    "transcript": TranscriptData,
    "speech_activity": SpeechActivityData,
    "minutes_session": MinutesSessionData,
    "minutes": MinutesData,
    "minutes_deleted": MinutesDeletedData,
    "intent": IntentData,
    "config": ConfigReportData,
    "update": UpdateReportData,
}

# Which channel each message type travels on (and, for events, which kind).
TYPE_CHANNELS: dict[str, tuple[str, str | None]] = {
    "status": ("status", None),
    "occupancy": ("occupancy", None),
    "heartbeat": ("heartbeat", None),
    "sensor": ("events", "sensor"),
    "spool_gap": ("events", "spool_gap"),
    # Speech travels on the speech channel, which the terminal's spool never drops.
    "transcript": ("speech", "transcript"),
    "minutes_session": ("speech", "minutes"),
    "minutes": ("speech", "minutes"),
    "minutes_deleted": ("speech", "minutes"),
    # A voice command: speech too, so one given while the hub is away waits in the spool.
    "intent": ("speech", "intent"),
    # A flag like a sensor's: droppable like sensor events when the spool is full.
    "speech_activity": ("events", "speech_activity"),
    # The answer to a pushed configuration (cmd/config): applied, rejected or rolled back.
    "config": ("events", "config"),
    # A software update's progress and outcome (docs/fleet.md); the spool never drops it.
    "update": ("events", "update"),
}


@dataclass(frozen=True)
class Message:
    topic: TopicParts
    envelope: Envelope
    data: BaseModel

    @property
    def room(self) -> str:
        return self.topic.room


def decode(topic: str, payload: bytes) -> Message:
    """Turn a raw MQTT message into a checked :class:`Message`, or raise ContractError."""
    try:
        parts = parse_topic(topic)
    except TopicError as exc:
        raise ContractError(Reason.BAD_TOPIC, str(exc)) from exc
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ContractError(Reason.TOO_LARGE, f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}")
    try:
        raw = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise ContractError(Reason.MALFORMED_JSON, str(exc)) from exc
    if not isinstance(raw, dict):
        raise ContractError(Reason.INVALID_ENVELOPE, "payload is not a JSON object")
    version = raw.get("v")
    if version != CONTRACT_VERSION or parts.version != CONTRACT_VERSION:
        raise ContractError(
            Reason.UNSUPPORTED_VERSION,
            f"envelope v={version!r}, topic v{parts.version}; this hub speaks v{CONTRACT_VERSION}",
        )
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise ContractError(Reason.INVALID_ENVELOPE, _short(exc)) from exc
    model = DATA_MODELS.get(envelope.type)
    if model is None:
        raise ContractError(Reason.UNKNOWN_TYPE, f"unknown message type {envelope.type!r}")
    channel, kind = TYPE_CHANNELS[envelope.type]
    if envelope.device != parts.device or (channel, kind) != (parts.channel, parts.kind):
        raise ContractError(
            Reason.TOPIC_MISMATCH,
            f"type {envelope.type!r} from {envelope.device!r} does not belong on {topic!r}",
        )
    try:
        data = model.model_validate(envelope.data)
    except ValidationError as exc:
        raise ContractError(Reason.INVALID_DATA, _short(exc)) from exc
    return Message(topic=parts, envelope=envelope, data=data)


def _short(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
    )[:500]
