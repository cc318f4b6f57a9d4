"""What the hub says to a terminal on `.../devices/<device>/cmd/<target>` (QoS 1, not retained).

``cmd/spool`` (below) closes the delivery loop; ``cmd/minutes`` starts and stops a minutes
session (:class:`MinutesCommand`); ``cmd/voice`` answers a voice command (:class:`VoiceReply`);
``cmd/config`` pushes a configuration file (:class:`ConfigCommand`).

Two commands close the loop that makes delivery end to end (a QoS 1 PUBACK covers one hop):

- ``ack``: the hub has committed every message of ``boot`` from seq 1 through ``through_seq``
  (its contiguous watermark, counting ranges the terminal reported as given up). The terminal
  deletes those from its spool.
- ``replay``: the hub holds later messages of ``boot`` but is missing ``ranges``; the terminal
  re-publishes them from its spool, or answers with a ``spool_gap`` message for those it no
  longer has.

The payload is an envelope like the terminals' but without device, boot and seq: the hub is
not a sequenced producer, and a lost or repeated command is harmless (the next ack supersedes
it; a replayed message is stored once).
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from contract import CONTRACT_VERSION
from contract.config_push import MAX_CONFIG_BYTES, ConfigVersion, config_version
from contract.envelope import BootId
from contract.messages import MAX_GAP_RANGES, ContractError, Reason, SeqRange

SPOOL_TARGET = "spool"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AckCommand(_Frozen):
    type: Literal["ack"] = "ack"
    boot: BootId
    through_seq: int = Field(ge=0)


class ReplayCommand(_Frozen):
    type: Literal["replay"] = "replay"
    boot: BootId
    ranges: list[SeqRange] = Field(min_length=1, max_length=MAX_GAP_RANGES)


SpoolCommand = AckCommand | ReplayCommand


class _CommandEnvelope(_Frozen):
    v: int = CONTRACT_VERSION
    ts: AwareDatetime
    command: SpoolCommand = Field(discriminator="type")


def encode_command(command: SpoolCommand, ts: datetime | None = None) -> bytes:
    envelope = _CommandEnvelope(ts=ts or datetime.now(UTC), command=command)
    return orjson.dumps(envelope.model_dump(mode="json"))


def decode_command(payload: bytes) -> SpoolCommand:
    """Parse a spool command, or raise ContractError (the terminal logs and ignores it)."""
    try:
        raw = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise ContractError(Reason.MALFORMED_JSON, str(exc)) from exc
    if not isinstance(raw, dict) or raw.get("v") != CONTRACT_VERSION:
        raise ContractError(
            Reason.UNSUPPORTED_VERSION,
            f"command v={raw.get('v') if isinstance(raw, dict) else None!r}",
        )
    try:
        return _CommandEnvelope.model_validate(raw).command
    except ValidationError as exc:
        raise ContractError(Reason.INVALID_DATA, str(exc.errors()[0].get("msg", exc))) from exc


# -- minutes sessions (``.../cmd/minutes``) ------------------------------------------------

MINUTES_TARGET = "minutes"
MAX_ROSTER = 200


class RosterPerson(_Frozen):
    """Someone expected in the meeting, for the minutes: action items name their owner by
    ``user_id`` when a name or alias in the transcript matches."""

    user_id: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    aliases: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    organizer: bool = False


class MinutesCommand(_Frozen):
    """Control the minutes session on a terminal (QoS 1, never retained).

    ``start``/``stop`` a session; ``pause``/``resume``: "off the record", capture stops
    until resumed and nothing said meanwhile is kept; ``delete``: forget everything the
    terminal still holds of ``session`` (spooled transcript and minutes, a recording).
    ``roster``: names of the people expected (organizer and attendees of the current
    booking), which the transcriber takes as hints for spelling them; ``people``: the same
    with their user ids and aliases, for the owners of action items. ``language``:
    ``auto`` or a code like ``en``/``zh``. A start while a session runs, or a stop
    without one, is ignored by the terminal (a repeated command is harmless).
    """

    type: Literal["minutes"] = "minutes"
    action: Literal["start", "stop", "pause", "resume", "delete"]
    session: BootId | None = None  # for delete
    title: str | None = Field(default=None, max_length=300)
    roster: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=MAX_ROSTER
    )
    language: str = Field(default="auto", pattern=r"^(auto|[a-z]{2,3})$")
    booking_occurrence_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    people: list[RosterPerson] = Field(default_factory=list, max_length=MAX_ROSTER)
    # The meeting's scheduled start: due dates ("by Friday") count from it.
    meeting_start: AwareDatetime | None = None

    @model_validator(mode="after")
    def _delete_names_a_session(self) -> "MinutesCommand":
        if self.action == "delete" and self.session is None:
            raise ValueError("a delete command names the session to delete")
        return self


class _MinutesEnvelope(_Frozen):
    v: int = CONTRACT_VERSION
    ts: AwareDatetime
    command: MinutesCommand


def encode_minutes_command(command: MinutesCommand, ts: datetime | None = None) -> bytes:
    return _encode(_MinutesEnvelope(ts=ts or datetime.now(UTC), command=command))


def decode_minutes_command(payload: bytes) -> MinutesCommand:
    """Parse a minutes command, or raise ContractError (the terminal logs and ignores it)."""
    command: MinutesCommand = _decode(_MinutesEnvelope, payload).command
    return command


def _encode(envelope: _Frozen) -> bytes:
    return orjson.dumps(envelope.model_dump(mode="json"))


def _decode(envelope: type[_Frozen], payload: bytes) -> Any:
    """The validated envelope, or ContractError saying what is wrong with the payload."""
    raw = _command_object(payload)
    try:
        return envelope.model_validate(raw)
    except ValidationError as exc:
        raise ContractError(Reason.INVALID_DATA, _first_problem(exc)) from exc


def _command_object(payload: bytes) -> dict[str, object]:
    try:
        raw = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise ContractError(Reason.MALFORMED_JSON, str(exc)) from exc
    if not isinstance(raw, dict):
        raise ContractError(Reason.INVALID_ENVELOPE, "a command is a JSON object")
    if raw.get("v") != CONTRACT_VERSION:
        raise ContractError(Reason.UNSUPPORTED_VERSION, f"command v={raw.get('v')!r}")
    return raw


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "<root>"
    return f"{where}: {err['msg']}"


# -- voice replies (``.../cmd/voice``) -----------------------------------------------------

VOICE_TARGET = "voice"
MAX_SAY = 500


class VoiceReply(_Frozen):
    """The hub's answer to an ``intent`` message (QoS 1, never retained).

    ``utterance`` names the command answered; ``ok`` whether it was carried out (the
    terminal shows a confirming or refusing LED pattern); ``say`` a short sentence to
    speak, in the utterance's language (English or Chinese); ``detail`` what the hub did
    (``outcome``, and e.g. ``ends_at`` of an extended booking), for logs and displays.
    A reply may come long after the command (it waited in the spool while the hub was
    away); the terminal may then show it rather than speak it.
    """

    type: Literal["voice_reply"] = "voice_reply"
    utterance: BootId
    ok: bool
    intent: str = Field(min_length=1, max_length=63)
    say: str = Field(max_length=MAX_SAY)
    detail: dict[str, Any] = Field(default_factory=dict)


class _VoiceEnvelope(_Frozen):
    v: int = CONTRACT_VERSION
    ts: AwareDatetime
    command: VoiceReply


def encode_voice_reply(reply: VoiceReply, ts: datetime | None = None) -> bytes:
    return _encode(_VoiceEnvelope(ts=ts or datetime.now(UTC), command=reply))


def decode_voice_reply(payload: bytes) -> VoiceReply:
    """Parse a voice reply, or raise ContractError (the terminal logs and ignores it)."""
    reply: VoiceReply = _decode(_VoiceEnvelope, payload).command
    return reply


# -- configuration push (``.../cmd/config``) -----------------------------------------------

CONFIG_TARGET = "config"


class ConfigCommand(_Frozen):
    """Run this configuration (QoS 1, never retained; contract/config_push.py).

    ``yaml`` is the text of the terminal's configuration file as the hub holds it, and
    ``version`` its :func:`contract.config_push.config_version`. The terminal checks both,
    validates the file like ``python -m edge validate`` and refuses one for another terminal
    or room; it answers with a ``config`` message, not a reply. A repeated command for the
    version it already runs is answered ``applied`` again, without a restart.
    """

    type: Literal["config"] = "config"
    version: ConfigVersion
    yaml: str = Field(min_length=1, max_length=MAX_CONFIG_BYTES)

    @model_validator(mode="after")
    def _version_names_the_text(self) -> "ConfigCommand":
        content = self.yaml.encode("utf-8")
        if len(content) > MAX_CONFIG_BYTES:
            raise ValueError(f"the configuration is over {MAX_CONFIG_BYTES} bytes")
        if config_version(content) != self.version:
            raise ValueError(f"version {self.version} does not match the configuration's text")
        return self


class _ConfigEnvelope(_Frozen):
    v: int = CONTRACT_VERSION
    ts: AwareDatetime
    command: ConfigCommand


def encode_config_command(command: ConfigCommand, ts: datetime | None = None) -> bytes:
    return _encode(_ConfigEnvelope(ts=ts or datetime.now(UTC), command=command))


def decode_config_command(payload: bytes) -> ConfigCommand:
    """Parse a configuration command, or raise ContractError (the terminal reports it)."""
    command: ConfigCommand = _decode(_ConfigEnvelope, payload).command
    return command
