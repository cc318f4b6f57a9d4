"""ORM models of what terminals say about speech: minutes sessions and their transcripts.

Kept apart from ``hub.db.models`` (one idea per module); ``hub.db.models`` imports this
module at its end, so ``Base.metadata`` (and Alembic) always know these tables.
Meeting content lives here: the API shows it to admins and the meeting's participants only,
never to facilities staff (hub/api/minutes.py). Titles and transcript text are sealed with
the meeting's key (hub/sealing): the ``*_sealed`` columns hold AES-256-GCM envelopes.
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base
from hub.sealing.fields import TEXT, Sealed, listen_for_loads


class MinutesSession(Base):
    """One minutes session of one terminal, from its ``minutes_session`` messages."""

    __tablename__ = "minutes_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    device_id: Mapped[str] = mapped_column(String(63))
    room_id: Mapped[str] = mapped_column(String(63))
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    start_reason: Mapped[str | None] = mapped_column(String(16))
    stop_reason: Mapped[str | None] = mapped_column(String(16))
    # Final segments the terminal published, as it counted them on stop.
    segments: Mapped[int | None] = mapped_column(Integer)
    title_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    title: Sealed[str | None] = Sealed(TEXT)
    language: Mapped[str | None] = mapped_column(String(16))
    # The booking occurrence it belongs to: from the hub's command, else the room's booking
    # under way when it started; decides who may read the transcript.
    booking_occurrence_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    recording: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(String(500))
    __table_args__ = (
        UniqueConstraint("device_id", "session_id", name="uq_minutes_sessions_device_session"),
        Index("ix_minutes_sessions_room_start", "room_id", "started_at"),
    )

    def sealing_scope(self) -> tuple[str, str | None]:
        return self.session_id, self.room_id


class TranscriptSegment(Base):
    """One ``transcript`` message. An interim (``final`` false) is replaced by later ones."""

    __tablename__ = "transcript_segments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(63))
    boot: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[str] = mapped_column(String(63))
    session_id: Mapped[str] = mapped_column(String(64))
    segment: Mapped[int] = mapped_column(Integer)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    started_at: Mapped[datetime]
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    text: Sealed[str] = Sealed(TEXT)
    final: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint(
            "device_id", "session_id", "segment", "final", name="uq_transcript_segments_key"
        ),
        Index("ix_transcript_segments_session", "session_id", "segment"),
    )

    def sealing_scope(self) -> tuple[str, str | None]:
        return self.session_id, self.room_id


listen_for_loads(MinutesSession)
listen_for_loads(TranscriptSegment)
