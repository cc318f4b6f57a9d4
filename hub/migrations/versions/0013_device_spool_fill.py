"""device spool fill

Heartbeats may say how full the terminal's spool is (issue 9: alert before it is full); the
hub keeps the newest fill per device, with its heartbeat's time, as JSON. Null: never
reported (terminals without a spool, or older ones).

Revision ID: 0013_device_spool_fill
Revises: 0012_user_passwords
Create Date: 2026-11-28 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0013_device_spool_fill"
down_revision: str | None = "0012_user_passwords"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spool_fill", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("spool_fill")
