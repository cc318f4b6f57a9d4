"""user passwords

Users may sign in to the web dashboard with a password (issue 9): an Argon2id hash, or
null for accounts that only use API tokens (every existing user).

Revision ID: 0012_user_passwords
Revises: 0011_reports
Create Date: 2026-11-27 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0012_user_passwords"
down_revision: str | None = "0011_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_hash")
