"""The one JSON envelope every terminal message travels in.

``{"v": 1, "type": ..., "ts": ..., "device": ..., "boot": ..., "seq": ..., "data": {...}}``

``(device, boot, seq)`` names a message uniquely: ``boot`` is new for every
process start of the terminal and ``seq`` counts up from 1 within a boot, so
the hub can drop duplicates and notice gaps. ``seq`` 0 is reserved for
latest-wins state that is not part of that ledger: the retained ``status``
message and its Last Will (the will is composed when the terminal connects, so
it cannot know the sequence number it would have when it fires).

Parsing is tolerant, as messages from the wire should be: unknown fields are
ignored, so adding an optional field keeps ``v`` at 1.
"""

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contract import CONTRACT_VERSION
from contract.ids import Slug

BootId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

STATE_SEQ = 0
MAX_SEQ = 2**31 - 1  # the largest seq the hub can store


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    v: int = CONTRACT_VERSION
    type: Slug
    ts: AwareDatetime
    device: Slug
    boot: BootId
    # At most a signed 32-bit integer: the hub stores it in an INTEGER column (PostgreSQL
    # refuses more), and a terminal sending 10 messages a second needs 6 years per boot.
    seq: int = Field(ge=0, le=MAX_SEQ)
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("ts")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


def new_boot_id() -> str:
    """A fresh id for one process start: sortable by time, unique by chance."""
    now = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{now}-{secrets.token_hex(4)}"
