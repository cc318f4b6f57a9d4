"""retention

Issue 10, retention: the log of the retention job (hub/retention), one row per run that
deleted, with the cutoff and count of each kind of data and the cutoff before which raw
occupancy rows are gone (the analytics rollups keep older days instead of rebuilding them).

Revision ID: 0016_retention
Revises: 0015_encryption_at_rest
Create Date: 2026-11-28 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db.models

revision: str = "0016_retention"
down_revision: str | None = "0015_encryption_at_rest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ran_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("cutoffs", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column(
            "occupancy_purged_before", hub.db.models.UtcDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("retention_runs", schema=None) as batch_op:
        batch_op.create_index("ix_retention_runs_ran_at", ["ran_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retention_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_runs_ran_at")
    op.drop_table("retention_runs")
