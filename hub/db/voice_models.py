"""ORM model of the voice commands terminals recognised (``intent`` messages).

Imported at the end of ``hub.db.models`` (like ``speech_models``) so Alembic sees it.
``text`` (what was heard) and action items' slots are meeting content: the API shows
them to admins only (hub/api/voice.py), and they are sealed (hub/sealing) with the key of the
meeting they were said in, else with a key of the command's own.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base
from hub.sealing.fields import JSON as SEALED_JSON
from hub.sealing.fields import TEXT, Sealed, listen_for_loads


class VoiceCommand(Base):
    """One voice command and what the hub did with it (``outcome`` and ``detail``)."""

    __tablename__ = "voice_commands"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(63))
    room_id: Mapped[str] = mapped_column(String(63))
    utterance: Mapped[str] = mapped_column(String(64))
    intent: Mapped[str] = mapped_column(String(63))
    slots_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    slots: Sealed[dict[str, Any]] = Sealed(SEALED_JSON, default=dict)
    confidence: Mapped[float] = mapped_column(Float)
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    text: Sealed[str] = Sealed(TEXT)
    trigger: Mapped[str] = mapped_column(String(8))
    language: Mapped[str | None] = mapped_column(String(16))
    session_id: Mapped[str | None] = mapped_column(String(64))
    said_at: Mapped[datetime]
    received_at: Mapped[datetime]
    # pending (stored, not yet carried out) | done | refused | unknown_intent | failed
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    handled_at: Mapped[datetime | None]
    __table_args__ = (
        UniqueConstraint("device_id", "utterance", name="uq_voice_commands_device_utterance"),
        Index("ix_voice_commands_room_said", "room_id", "said_at"),
        Index("ix_voice_commands_outcome", "outcome"),
    )

    def sealing_scope(self) -> tuple[str, str | None]:
        # Said in a meeting: that meeting's key, deleted with it; else a key of its own.
        return self.session_id or voice_scope(self.device_id, self.utterance), self.room_id


def voice_scope(device_id: str, utterance: str) -> str:
    return f"voice:{device_id}:{utterance}"


listen_for_loads(VoiceCommand)
