"""auth refresh and audit

Issue 10, people and tokens: every API token gets a ``kind`` (``personal`` for programs,
``access`` for the short-lived tokens of ``POST /api/v1/auth/token``, ``web`` for dashboard
sign-ins; existing tokens named "web session" become ``web``); refresh tokens, rotated on
every use and grouped in families for theft detection; and the append-only audit log of
administrative actions.

Revision ID: 0014_auth_refresh_and_audit
Revises: 0013_device_spool_fill
Create Date: 2026-11-28 00:00:00.000000
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import hub.db.models

revision: str = "0014_auth_refresh_and_audit"
down_revision: str | None = "0013_device_spool_fill"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, hub.db.models.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="personal", nullable=False)
        )
    op.execute(sa.text("UPDATE api_tokens SET kind = 'web' WHERE name = 'web session'"))

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=63), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=36), nullable=False),
        _utc("created_at", False),
        _utc("expires_at", False),
        _utc("used_at", True),
        _utc("revoked_at", True),
        sa.Column("access_token_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["access_token_id"], ["api_tokens.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_refresh_tokens_user_id", ["user_id"], unique=False)
        batch_op.create_index("ix_refresh_tokens_family", ["family"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _utc("at", False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=63), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        for column in ("at", "actor", "action", "target"):
            batch_op.create_index(f"ix_audit_log_{column}", [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        for column in ("target", "action", "actor", "at"):
            batch_op.drop_index(f"ix_audit_log_{column}")
    op.drop_table("audit_log")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_refresh_tokens_family")
        batch_op.drop_index("ix_refresh_tokens_user_id")
    op.drop_table("refresh_tokens")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("kind")
