"""Payloads of a session's minutes, made on the terminal when the session ends (v1).

``minutes`` carries what the extractor found in the session's transcript (the same shape
as ``python -m speech minutes --json``, docs/minutes.md) and goes to the hub as a draft the
organizer reviews. ``minutes_deleted`` confirms that the terminal deleted everything it
still held of a session (spooled transcript and minutes, a recording) after a ``delete``
command. Both travel on ``.../speech/minutes`` with ``minutes_session`` and, like all
speech, are never dropped by the spool.
"""

from datetime import UTC, date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contract.envelope import BootId

MAX_ITEMS = 500
MAX_TEXT = 2_000


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EvidenceData(_Frozen):
    quote: str = Field(max_length=MAX_TEXT)
    line: int | None = Field(default=None, ge=1)
    start: float | None = Field(default=None, ge=0)  # seconds from the session's start


class ActionItemData(_Frozen):
    owner: str | None = Field(default=None, max_length=200)
    owner_user_id: str | None = Field(default=None, max_length=63)
    task: str = Field(min_length=1, max_length=MAX_TEXT)
    due: date | None = None
    evidence: EvidenceData
    review: list[str] = Field(default_factory=list, max_length=20)


class StatementData(_Frozen):
    """A decision or an open question."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    evidence: EvidenceData


class MinutesData(_Frozen):
    session: BootId
    meeting_start: AwareDatetime
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    action_items: list[ActionItemData] = Field(default_factory=list, max_length=MAX_ITEMS)
    decisions: list[StatementData] = Field(default_factory=list, max_length=MAX_ITEMS)
    open_questions: list[StatementData] = Field(default_factory=list, max_length=MAX_ITEMS)

    @field_validator("meeting_start")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class MinutesDeletedData(_Frozen):
    session: BootId
    purged_messages: int = Field(ge=0)  # transcript and minutes messages left in the spool
    recordings_deleted: int = Field(ge=0)
