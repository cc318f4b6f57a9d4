"""reports

Scheduled reports (hub/reports, docs/reports.md): one row per built report (period, local
dates, audience) and its files (HTML, CSV, PNG charts) stored with it.

Revision ID: 0011_reports
Revises: 0010_alerts
Create Date: 2026-11-27 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import hub.db.models


revision: str = "0011_reports"
down_revision: str | None = "0010_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("audience", sa.String(length=80), nullable=False),
        sa.Column("created_at", hub.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("as_of", hub.db.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "period", "first_day", "audience", name="uq_report_runs_period_audience"
        ),
    )
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.create_index("ix_report_runs_created", ["created_at"], unique=False)
    op.create_table(
        "report_files",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["report_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("report_files")
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_report_runs_created")
    op.drop_table("report_runs")
