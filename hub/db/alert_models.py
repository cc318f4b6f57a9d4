"""ORM model of alerts (hub/alerts, docs/alerts.md).

Imported at the end of ``hub.db.models`` (like ``voice_models``) so Alembic sees it.
One row per *episode* of a condition: opened when a rule first finds it, touched
(``last_seen_at``) while it holds, resolved (``resolved_at``) once it has been clear for
the hold-down. At most one open row per (rule, subject), enforced by a partial unique index
so that two hub workers can never open the same alert twice.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base, SensorEvent


class Alert(Base):
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(8))  # room | desk | device | floor
    subject_id: Mapped[str] = mapped_column(String(63))
    # The room the subject is in (itself for a room): who may see the alert (hub.auth.scope).
    room_id: Mapped[str | None] = mapped_column(String(63), index=True)
    severity: Mapped[str] = mapped_column(String(16))  # info | warning | critical
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    # First evaluation that found the condition clear while the alert was open (hold-down);
    # None while the condition holds.
    clear_since: Mapped[datetime | None]
    __table_args__ = (
        Index(
            "uq_alerts_open_subject",
            "rule",
            "subject_kind",
            "subject_id",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_alerts_opened_at", "opened_at"),
    )


# The door-stuck rule asks for the newest event of each door contact: this index answers it
# from the index alone instead of reading every sensor event of a terminal.
Index(
    "ix_sensor_events_kind_device_sensor_ts",
    SensorEvent.kind,
    SensorEvent.device_id,
    SensorEvent.sensor_id,
    SensorEvent.ts,
)
