"""Where the retained raw occupancy history begins, for the analytics rollups.

The retention job deletes occupancy and status changes before its cutoff (but the newest of
each space and terminal, the state carried into the retained history). The rollups of older
days stay as they were computed; a rebuild of the rollups (``analytics refresh --full``, or
a clock set back) must keep them rather than recompute them from rows that are gone. This
is the one place that says from when on a rebuild may recompute.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.retention_models import RetentionRun

# Local days begin up to 14 h either side of UTC midnight: a day is recomputed only when it
# starts a full day after the cutoff in every time zone.
_MARGIN = timedelta(days=2)


def occupancy_purged_before(session: Session) -> datetime | None:
    """The latest cutoff before which raw occupancy rows were deleted; None if never."""
    return session.scalar(select(func.max(RetentionRun.occupancy_purged_before)))


def rollup_floor(session: Session) -> date | None:
    """The first local date a rollup rebuild may recompute (older days are kept as they
    are); None when no raw occupancy row was ever deleted."""
    purged = occupancy_purged_before(session)
    return None if purged is None else (purged + _MARGIN).date()


def floor_start(day: date) -> datetime:
    """UTC midnight of ``day``: a rebuild recomputes from here (each space's local days
    overlapping it on; the one before in zones west of UTC is recomputed whole, exactly)."""
    return datetime.combine(day, time(0), tzinfo=UTC)
