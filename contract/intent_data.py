"""Payload of a voice command the terminal recognised (``intent`` on ``.../speech/intent``).

The terminal matches what was said against its room-command grammar (docs/voice-commands.md)
and publishes the result; the hub carries it out and answers on ``cmd/voice``
(:class:`contract.commands.VoiceReply`). Like all speech it is never dropped by the spool, so
a command given while the hub is away is carried out (with its own ``said_at``) once it is back.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contract.envelope import BootId

MAX_SLOTS = 20
MAX_UTTERANCE_TEXT = 1_000
MAX_SLOT_TEXT = 1_000

IntentName = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z][a-z0-9_]*$")]
SlotName = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z][a-z0-9_]*$")]
SlotValue = Annotated[str, Field(max_length=MAX_SLOT_TEXT)] | int | float | bool | None
#: How the terminal was listening: push-to-talk, the wake phrase, or typed text (tests, kiosk).
Trigger = Literal["ptt", "wake", "text"]


class IntentData(BaseModel):
    """One recognised voice command. ``utterance`` is the terminal's id for it (the reply
    names it); ``said_at`` is when the utterance ended (UTC); ``session`` the minutes
    session running at the time, if any; ``language`` what the recogniser used (``en``,
    ``zh``), which the reply is spoken in."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    utterance: BootId
    intent: IntentName
    slots: dict[SlotName, SlotValue] = Field(default_factory=dict, max_length=MAX_SLOTS)
    confidence: float = Field(ge=0, le=1)
    text: str = Field(max_length=MAX_UTTERANCE_TEXT)
    trigger: Trigger
    said_at: AwareDatetime
    session: BootId | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")] | None = None

    @field_validator("said_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)
