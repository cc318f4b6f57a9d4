"""occupancy fusion fields

Terminals with occupancy fusion (issue 8) report a probability, a headcount band with its
top and confidence, and the signals that decided: kept with each occupancy change and on
the live state. Devices learn whether their configuration has a people counter, which
makes their bands a sensor head count for right-sizing. All nullable (or false): rows
from terminals without fusion stay as they are.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 21:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
import hub.db.models


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ESTIMATE = ("probability", "band", "band_top", "band_confidence")


def _estimate_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("band", sa.Integer(), nullable=True),
        sa.Column("band_top", sa.Integer(), nullable=True),
        sa.Column("band_confidence", sa.Float(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("occupancy_changes", schema=None) as batch_op:
        for column in _estimate_columns():
            batch_op.add_column(column)
    with op.batch_alter_table("space_states", schema=None) as batch_op:
        for column in _estimate_columns():
            batch_op.add_column(column)
        batch_op.add_column(sa.Column("signals", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("estimated_at", hub.db.models.UtcDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counts_people", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("counts_people")
    with op.batch_alter_table("space_states", schema=None) as batch_op:
        for name in ("estimated_at", "signals", *reversed(_ESTIMATE)):
            batch_op.drop_column(name)
    with op.batch_alter_table("occupancy_changes", schema=None) as batch_op:
        for name in reversed(_ESTIMATE):
            batch_op.drop_column(name)
