"""Analytics: the time-series export cursor and the rollup tables of the dashboards."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base, UtcDateTime


class TimeSeriesCursor(Base):
    """How far each kind of row has been written to the time-series server, so points it
    missed (server down longer than the client retries, or a hub restart) are backfilled."""

    __tablename__ = "timeseries_cursors"
    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


# -- analytics rollups (issue 4) --------------------------------------------------
# Pre-aggregated figures for the dashboards, maintained by hub.analytics.rollups
# (refresh_rollups). Durations are whole microseconds (``_us``) so that sums are exact.
# Plain tables (no ORM classes): they are read and written with set-based Core statements.

#: Local hours of the day (0-23) with their own occupied/known columns in the day rollups.
ROLLUP_HOURS = range(24)


def _day_figure_columns() -> list[Column[Any]]:
    """The additive figures of one local day: the same in the per-space and per-group rollups."""
    sums = [
        "working_us",  # working time of the day (past and future)
        "elapsed_us",  # working time before the refresh's ``now``
        "known_us",
        "occupied_us",
        "occupied_total_us",  # occupied at any hour of the day
        "booked_us",  # past working time covered by a booking (union)
        "booked_known_us",
        "booked_occupied_us",
        "meetings",  # occurrences that started this day (not cancelled)
        "no_shows",
        "ghosts",
    ]
    columns = [Column(name, BigInteger, nullable=False, default=0) for name in sums]
    columns += [
        Column(f"occupied_h{h:02d}_us", BigInteger, nullable=False, default=0) for h in ROLLUP_HOURS
    ]
    columns += [
        Column(f"known_h{h:02d}_us", BigInteger, nullable=False, default=0) for h in ROLLUP_HOURS
    ]
    return columns


# On SQLite both day tables are WITHOUT ROWID: rows are stored in primary-key order, so a
# space's days, or a floor's days in order, are read as one range (the dashboards' GROUP BYs
# then need no sorting).
analytics_space_days = Table(
    "analytics_space_days",
    Base.metadata,
    Column("space_kind", String(8), primary_key=True),
    Column("space_id", String(63), primary_key=True),
    Column("day", Date, primary_key=True),  # the space's local date
    *_day_figure_columns(),
    Index("ix_analytics_space_days_day", "day"),
    sqlite_with_rowid=False,
)

analytics_group_days = Table(
    "analytics_group_days",
    Base.metadata,
    Column("space_kind", String(8), primary_key=True),
    Column("floor_id", String(63), primary_key=True),
    Column("day", Date, primary_key=True),
    # "" for shared spaces (no department): a primary key column cannot be NULL everywhere.
    Column("department_id", String(63), primary_key=True),
    Column("spaces", Integer, nullable=False, default=0),
    *_day_figure_columns(),
    Index("ix_analytics_group_days_day", "day"),
    sqlite_with_rowid=False,
)

analytics_meetings = Table(
    "analytics_meetings",
    Base.metadata,
    # Not a foreign key: rows of deleted occurrences are found and removed by the refresh.
    Column("occurrence_id", Integer, primary_key=True, autoincrement=False),
    Column("booking_id", String(36), nullable=False),
    Column("space_kind", String(8), nullable=False),
    Column("space_id", String(63), nullable=False),
    Column("day", Date, nullable=False),  # local date of the start
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    # What the row was computed from: a difference means the occurrence changed.
    Column("fingerprint", String(64), nullable=False),
    Column("started", Boolean, nullable=False),
    Column("held", Boolean, nullable=False),
    Column("no_show", Boolean, nullable=False),
    Column("ghost", Boolean, nullable=False),
    Column("people", Integer),
    Column("people_source", String(16)),  # sensor | attendees
    Index("ix_analytics_meetings_space_start", "space_kind", "space_id", "starts_at"),
    Index("ix_analytics_meetings_booking", "booking_id"),
)

# Flagged recurring series ("zombies") per space, copied from ``bookings`` at each refresh so
# the room list does not scan every booking.
analytics_zombies = Table(
    "analytics_zombies",
    Base.metadata,
    Column("space_kind", String(8), primary_key=True),
    Column("space_id", String(63), primary_key=True),
    Column("series", Integer, nullable=False),
)

analytics_rollup_state = Table(
    "analytics_rollup_state",
    Base.metadata,
    Column("name", String(32), primary_key=True),
    Column("refreshed_at", UtcDateTime(), nullable=False),  # the ``now`` of the last refresh
    # The rollups cover the local days from this instant on (the first raw row, or the
    # first refresh when there was none yet).
    Column("covers_from", UtcDateTime(), nullable=False),
    Column("occupancy_change_id", Integer, nullable=False),
    Column("status_change_id", Integer, nullable=False),
    Column("occurrence_id", Integer, nullable=False),
    Column("decision_id", Integer, nullable=False),
    Column("booking_updated_at", UtcDateTime()),
)
