"""encryption at rest

Issue 10, encryption at rest (docs/security.md): meeting content is kept sealed with
AES-256-GCM under a key per meeting (``meeting_keys``, wrapped by the master key). Every
plaintext column of meeting content is replaced by ``<column>_sealed`` (an envelope), and
rows already in the database are sealed on the way (hub/sealing/convert.py). Dead letters
get ``key_scope``: the meeting whose key seals them.

A database holding such rows needs the master key to be configured for the upgrade (and the
downgrade); without it the migration stops before changing anything and says how to make
one. An empty database needs none.

Revision ID: 0015_encryption_at_rest
Revises: 0014_auth_refresh_and_audit
Create Date: 2026-11-28 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from common.sealing.master_keys import KeyProvider
from hub.sealing import provider
from hub.sealing.convert import TABLES, has_content, open_table, seal_table

revision: str = "0015_encryption_at_rest"
down_revision: str | None = "0014_auth_refresh_and_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEAD_LETTERS = "dead_letters"


def _master_if_needed() -> KeyProvider | None:
    # Before any change: a migration stopped half-way on SQLite (no transactional DDL)
    # would leave a schema that neither revision describes.
    return provider.current() if has_content(op.get_bind()) else None


def upgrade() -> None:
    master = _master_if_needed()
    op.create_table(
        "meeting_keys",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.String(length=63), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    with op.batch_alter_table("meeting_keys", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_keys_master_key_id", ["master_key_id"], unique=False)
    for spec in TABLES:
        with op.batch_alter_table(spec.name, schema=None) as batch_op:
            for column in spec.columns:
                batch_op.add_column(sa.Column(f"{column.name}_sealed", sa.LargeBinary()))
            if spec.name == DEAD_LETTERS:
                batch_op.add_column(sa.Column("key_scope", sa.String(length=200)))
    if master is not None:
        for spec in TABLES:
            seal_table(op.get_bind(), master, spec)
    for spec in TABLES:
        with op.batch_alter_table(spec.name, schema=None) as batch_op:
            for column in spec.columns:
                batch_op.drop_column(column.name)
                if not column.nullable:
                    batch_op.alter_column(
                        f"{column.name}_sealed", existing_type=sa.LargeBinary(), nullable=False
                    )
            if spec.name == DEAD_LETTERS:
                batch_op.alter_column(
                    "key_scope", existing_type=sa.String(length=200), nullable=False
                )
                batch_op.create_index("ix_dead_letters_key_scope", ["key_scope"], unique=False)


def downgrade() -> None:
    master = _master_if_needed()
    for spec in TABLES:
        with op.batch_alter_table(spec.name, schema=None) as batch_op:
            for column in spec.columns:
                batch_op.add_column(sa.Column(column.name, column.type_))
    if master is not None:
        for spec in TABLES:
            open_table(op.get_bind(), master, spec)
    for spec in TABLES:
        with op.batch_alter_table(spec.name, schema=None) as batch_op:
            for column in spec.columns:
                batch_op.drop_column(f"{column.name}_sealed")
                if not column.nullable:
                    batch_op.alter_column(column.name, existing_type=column.type_, nullable=False)
            if spec.name == DEAD_LETTERS:
                batch_op.drop_index("ix_dead_letters_key_scope")
                batch_op.drop_column("key_scope")
    with op.batch_alter_table("meeting_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_keys_master_key_id")
    op.drop_table("meeting_keys")
