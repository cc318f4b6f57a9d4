"""voice commands

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import hub.db.models


revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_commands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=63), nullable=False),
        sa.Column("room_id", sa.String(length=63), nullable=False),
        sa.Column("utterance", sa.String(length=64), nullable=False),
        sa.Column("intent", sa.String(length=63), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=8), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("said_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("handled_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "utterance", name="uq_voice_commands_device_utterance"),
    )
    with op.batch_alter_table("voice_commands", schema=None) as batch_op:
        batch_op.create_index("ix_voice_commands_outcome", ["outcome"], unique=False)
        batch_op.create_index("ix_voice_commands_room_said", ["room_id", "said_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("voice_commands", schema=None) as batch_op:
        batch_op.drop_index("ix_voice_commands_room_said")
        batch_op.drop_index("ix_voice_commands_outcome")
    op.drop_table("voice_commands")
