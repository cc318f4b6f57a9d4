"""config push

Issue 11, configuration push (docs/fleet.md): per terminal, the configuration it should run
(the file's text and version, from 'python -m hub configs sync'), what the hub pushed, and
the terminal's answer (applied, rejected or rolled back, with a reason).

Revision ID: 0018_config_push
Revises: 0017_device_credentials
Create Date: 2026-11-29 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.models

revision: str = "0018_config_push"
down_revision: str | None = "0017_device_credentials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_configs",
        sa.Column("device_id", sa.String(length=63), nullable=False),
        sa.Column("desired_version", sa.String(length=16), nullable=True),
        sa.Column("desired_yaml", sa.Text(), nullable=True),
        sa.Column("desired_source", sa.String(length=255), nullable=True),
        sa.Column("synced_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("pushed_version", sa.String(length=16), nullable=True),
        sa.Column("pushed_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("push_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reported_version", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("running_version", sa.String(length=16), nullable=True),
        sa.Column("reported_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("report_received_at", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"]),
        sa.PrimaryKeyConstraint("device_id"),
    )


def downgrade() -> None:
    op.drop_table("device_configs")
