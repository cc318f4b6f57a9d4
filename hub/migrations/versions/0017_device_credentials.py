"""device credentials

Terminals get broker credentials from 'python -m hub devices provision' and lose them with
'revoke' (issue 10): when they were issued, which kind (password or client certificate), the
certificate's serial (for the revocation list), and when they were revoked. Null everywhere
for terminals registered only by importing their configuration file.

Revision ID: 0017_device_credentials
Revises: 0016_retention
Create Date: 2026-11-28 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.db.models import UtcDateTime

revision: str = "0017_device_credentials"
down_revision: str | None = "0016_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisioned_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("credential", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("cert_serial", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("cert_serial")
        batch_op.drop_column("credential")
        batch_op.drop_column("provisioned_at")
