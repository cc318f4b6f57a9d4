"""alerts

Alerts of the threshold rules (hub/alerts, docs/alerts.md): one row per episode of a
condition, at most one open per (rule, subject) (a partial unique index). An index on
sensor events lets the door-stuck rule find each door contact's newest event quickly.

Revision ID: 0010_alerts
Revises: 0009
Create Date: 2026-11-27 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.models

revision: str = "0010_alerts"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("resolved_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=63), nullable=False),
        sa.Column("room_id", sa.String(length=63), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("opened_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("clear_since", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_opened_at", ["opened_at"], unique=False)
        batch_op.create_index("ix_alerts_room_id", ["room_id"], unique=False)
        batch_op.create_index(
            "uq_alerts_open_subject",
            ["rule", "subject_kind", "subject_id"],
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )
    with op.batch_alter_table("sensor_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sensor_events_kind_device_sensor_ts",
            ["kind", "device_id", "sensor_id", "ts"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("sensor_events", schema=None) as batch_op:
        batch_op.drop_index("ix_sensor_events_kind_device_sensor_ts")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("uq_alerts_open_subject")
        batch_op.drop_index("ix_alerts_room_id")
        batch_op.drop_index("ix_alerts_opened_at")
    op.drop_table("alerts")
