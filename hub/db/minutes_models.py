"""ORM models of a meeting's minutes: the draft/confirmed minutes, action items, their
delivery outbox, and the tombstone a deleted meeting leaves behind.

Imported at the end of ``hub.db.models`` (like ``speech_models``) so Alembic sees them.
Meeting text lives in ``meeting_minutes`` and ``action_items`` (and, until delivered, in
``action_item_deliveries.payload``), sealed with the meeting's key (hub/sealing: the
``*_sealed`` columns); deleting a meeting removes those rows and the key (hub/minutes/
deletion.py) and leaves a ``meeting_deletions`` row with ids and times only.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base
from hub.sealing.fields import JSON as SEALED_JSON
from hub.sealing.fields import TEXT, Sealed, listen_for_loads


class MeetingMinutes(Base):
    """The minutes of one session: a draft the organizer reviews, then confirmed."""

    __tablename__ = "meeting_minutes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[str] = mapped_column(String(63))
    room_id: Mapped[str] = mapped_column(String(63))
    status: Mapped[str] = mapped_column(String(16))  # draft | confirmed
    language: Mapped[str] = mapped_column(String(16))
    meeting_start: Mapped[datetime]
    # [{text, evidence: {quote, line, start}}]
    decisions_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    decisions: Sealed[list[dict[str, Any]]] = Sealed(SEALED_JSON, default=list)
    open_questions_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    open_questions: Sealed[list[dict[str, Any]]] = Sealed(SEALED_JSON, default=list)
    received_at: Mapped[datetime]  # auto-confirm counts from here
    updated_at: Mapped[datetime]
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(63))  # a user id, or "auto"

    def sealing_scope(self) -> tuple[str, str | None]:
        return self.session_id, self.room_id


class ActionItem(Base):
    """One action item of a meeting's minutes, owned by a person (when one was found)."""

    __tablename__ = "action_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(Integer)
    task_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    task: Sealed[str] = Sealed(TEXT)
    owner_name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    owner_name: Sealed[str | None] = Sealed(TEXT)
    owner_user_id: Mapped[str | None] = mapped_column(String(63), index=True)
    due: Mapped[date | None]
    evidence_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    evidence: Sealed[dict[str, Any]] = Sealed(SEALED_JSON, default=dict)
    review_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    review: Sealed[list[str]] = Sealed(SEALED_JSON, default=list)
    status: Mapped[str] = mapped_column(String(8))  # open | done
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    # Reminders are sent once each (hub/minutes/reminders.py).
    due_soon_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]

    def sealing_scope(self) -> tuple[str, str | None]:
        return self.session_id, None


class ActionItemDelivery(Base):
    """The outbox: one event about one item for one person, delivered by MQTT and to each of
    the person's webhooks (``webhooks_done`` lists those that answered 2xx)."""

    __tablename__ = "action_item_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(63), index=True)
    event: Mapped[str] = mapped_column(String(32))
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Sealed[dict[str, Any]] = Sealed(SEALED_JSON)
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12))  # pending | delivered | failed
    mqtt_sent_at: Mapped[datetime | None]
    webhooks_done: Mapped[list[int]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("item_id", "user_id", "event", name="uq_action_item_deliveries_key"),
        Index("ix_action_item_deliveries_pending", "state", "next_attempt_at"),
    )

    def sealing_scope(self) -> tuple[str, str | None]:
        return self.session_id, None


class MeetingDeletion(Base):
    """What is left of a deleted meeting: ids and times, no text. The hub re-sends the
    terminals' ``delete`` command until one confirms with ``minutes_deleted``."""

    __tablename__ = "meeting_deletions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64), unique=True)
    room_id: Mapped[str] = mapped_column(String(63))
    deleted_at: Mapped[datetime]
    deleted_by: Mapped[str] = mapped_column(String(63))
    command_sent_at: Mapped[datetime | None]
    command_attempts: Mapped[int] = mapped_column(Integer, default=0)
    terminal_deleted_at: Mapped[datetime | None]


for _model in (MeetingMinutes, ActionItem, ActionItemDelivery):
    listen_for_loads(_model)
