"""software updates

Issue 11, software updates (docs/fleet.md): releases of the terminal software (file and
manifest), rollouts of a release to terminals (canaries first, then batches, halted by a
failure or a rollback), and each terminal's part in a rollout with its download token's hash.

Revision ID: 0019_software_updates
Revises: 0018_config_push
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.models

revision: str = "0019_software_updates"
down_revision: str | None = "0018_config_push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("requires_python", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("added_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "rollouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("canary_size", sa.Integer(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("auto_promote", sa.Boolean(), nullable=False),
        sa.Column("health_timeout_s", sa.Float(), nullable=False),
        sa.Column("reply_timeout_s", sa.Float(), nullable=False),
        sa.Column("failures_accepted", sa.Integer(), nullable=False),
        sa.Column("halted_reason", sa.Text(), nullable=True),
        sa.Column("created_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["version"], ["releases.version"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rollouts_state", "rollouts", ["state"], unique=False)
    op.create_index("ix_rollouts_version", "rollouts", ["version"], unique=False)
    op.create_table(
        "rollout_devices",
        sa.Column("rollout_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=63), nullable=False),
        sa.Column("canary", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("from_version", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("sent_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("send_count", sa.Integer(), nullable=False),
        sa.Column("reported_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.ForeignKeyConstraint(["rollout_id"], ["rollouts.id"]),
        sa.PrimaryKeyConstraint("rollout_id", "device_id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_rollout_devices_device", "rollout_devices", ["device_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rollout_devices_device", table_name="rollout_devices")
    op.drop_table("rollout_devices")
    op.drop_index("ix_rollouts_version", table_name="rollouts")
    op.drop_index("ix_rollouts_state", table_name="rollouts")
    op.drop_table("rollouts")
    op.drop_table("releases")
