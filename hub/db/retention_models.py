"""ORM model of the retention job's log (hub/retention, docs/security.md).

Imported at the end of ``hub.db.models`` (like ``report_models``) so Alembic sees it. One row
per run that deleted (dry runs leave none): when, the cutoff and count of each kind of data,
and, for the rollups, the cutoff before which raw occupancy rows are gone. Counts and times
only, nothing about anyone; the rows are kept (one a day).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class RetentionRun(Base):
    __tablename__ = "retention_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ran_at: Mapped[datetime]  # the hub clock's now of the run
    # {data class: ISO-8601 cutoff, or null when kept for ever}
    cutoffs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {data class: rows (meetings, for minutes) deleted, or null when kept for ever}
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Raw occupancy and status changes before this were deleted (but each space's newest
    # one): analytics rollups of older days are kept, not rebuilt (hub/analytics/rollups.py).
    occupancy_purged_before: Mapped[datetime | None]
    __table_args__ = (Index("ix_retention_runs_ran_at", "ran_at"),)
