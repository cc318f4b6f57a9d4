"""Storing analytics rollup rows: per-space days, meetings, per-group days and zombies.

Replaces the rows of the recomputed days of each space (and the meeting rows of their
occurrences) with what hub.analytics.rollup_compute produced, then sums the per-space rows
of the touched days into the per-group table in SQL, and copies the flagged series. Apart
from the computation because it is about the tables (hub/db/models.py, "analytics rollups")
and batched SQL, not about figures.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from hub.analytics.booked import DayFigures, MeetingFacts
from hub.analytics.rollup_compute import SpaceResult
from hub.db.models import (
    ROLLUP_HOURS,
    Booking,
    Desk,
    Room,
    analytics_group_days,
    analytics_meetings,
    analytics_space_days,
    analytics_zombies,
)

SUM_COLUMNS = [
    "working_us",
    "elapsed_us",
    "known_us",
    "occupied_us",
    "occupied_total_us",
    "booked_us",
    "booked_known_us",
    "booked_occupied_us",
    "meetings",
    "no_shows",
    "ghosts",
    *(f"occupied_h{h:02d}_us" for h in ROLLUP_HOURS),
    *(f"known_h{h:02d}_us" for h in ROLLUP_HOURS),
]


@dataclass
class RefreshStats:
    """What one refresh recomputed and wrote."""

    full: bool
    spaces: int = 0
    space_days: int = 0
    meetings: int = 0
    group_days: int = 0
    days: set[date] = field(default_factory=set)


def space_day_row(kind: str, space_id: str, fig: DayFigures) -> dict[str, Any]:
    row: dict[str, Any] = {"space_kind": kind, "space_id": space_id, "day": fig.day}
    for name in SUM_COLUMNS[:11]:
        row[name] = getattr(fig, name)
    for h in ROLLUP_HOURS:
        row[f"occupied_h{h:02d}_us"] = fig.occupied_h[h]
        row[f"known_h{h:02d}_us"] = fig.known_h[h]
    return row


def meeting_row(kind: str, space_id: str, fact: MeetingFacts) -> dict[str, Any]:
    return {
        "occurrence_id": fact.id,
        "booking_id": fact.booking_id,
        "space_kind": kind,
        "space_id": space_id,
        "day": fact.day,
        "starts_at": fact.starts_at,
        "ends_at": fact.ends_at,
        "fingerprint": fact.fingerprint,
        "started": fact.started,
        "held": fact.held,
        "no_show": fact.no_show,
        "ghost": fact.ghost,
        "people": fact.people,
        "people_source": fact.people_source,
    }


# -- writing -------------------------------------------------------------------------


def write_results(session: Session, results: list[SpaceResult], stats: RefreshStats) -> None:
    """Replace the rows of each result's days (and of their meetings); count them in ``stats``."""
    day_keys = [
        {"k": r.space.kind, "i": r.space.id, "lo": r.days[0].day, "hi": r.days[-1].day}
        for r in results
        if r.days
    ]
    if not day_keys:
        return
    for table in (analytics_space_days, analytics_meetings):
        stmt = delete(table).where(
            table.c.space_kind == bindparam("k"),
            table.c.space_id == bindparam("i"),
            table.c.day.between(bindparam("lo"), bindparam("hi")),
        )
        session.execute(stmt, day_keys)
    rows = [
        space_day_row(r.space.kind, r.space.id, fig)
        for r in results
        for fig in r.days
        if not fig.is_empty()
    ]
    meetings = [meeting_row(r.space.kind, r.space.id, f) for r in results for f in r.meetings]
    # Another space may have held an occurrence that moved here: its row goes first.
    if meetings:
        for chunk in chunks([m["occurrence_id"] for m in meetings], 500):
            session.execute(
                delete(analytics_meetings).where(analytics_meetings.c.occurrence_id.in_(chunk))
            )
        session.execute(insert(analytics_meetings), meetings)
    if rows:
        session.execute(insert(analytics_space_days), rows)
    stats.spaces += len(results)
    stats.space_days += len(rows)
    stats.meetings += len(meetings)
    stats.days.update(fig.day for r in results for fig in r.days)


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    """``items`` in lists of at most ``size``: IN lists stay within what databases take."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def rebuild_group_days(session: Session, days: Collection[date]) -> int:
    """Recompute the per-group rows of ``days`` from the per-space rows."""
    written = 0
    s = analytics_space_days
    sums = [func.sum(s.c[name]).label(name) for name in SUM_COLUMNS]
    for chunk in chunks(sorted(days), 400):
        session.execute(delete(analytics_group_days).where(analytics_group_days.c.day.in_(chunk)))
        rooms = (
            select(
                literal("room").label("space_kind"),
                Room.floor_id,
                func.coalesce(Room.department_id, "").label("department_id"),
                s.c.day,
                func.count().label("spaces"),
                *sums,
            )
            .join(Room, (s.c.space_kind == "room") & (Room.id == s.c.space_id))
            .where(s.c.day.in_(chunk))
            .group_by(Room.floor_id, Room.department_id, s.c.day)
        )
        desks = (
            select(
                literal("desk").label("space_kind"),
                Room.floor_id,
                func.coalesce(Room.department_id, "").label("department_id"),
                s.c.day,
                func.count().label("spaces"),
                *sums,
            )
            .join(Desk, (s.c.space_kind == "desk") & (Desk.id == s.c.space_id))
            .join(Room, Room.id == Desk.room_id)
            .where(s.c.day.in_(chunk))
            .group_by(Room.floor_id, Room.department_id, s.c.day)
        )
        both = union_all(rooms, desks).subquery()
        names = ["space_kind", "floor_id", "department_id", "day", "spaces", *SUM_COLUMNS]
        result = session.execute(
            insert(analytics_group_days).from_select(names, select(*(both.c[n] for n in names)))
        )
        written += getattr(result, "rowcount", 0) or 0
    return written


def copy_zombies(session: Session) -> None:
    """Flagged recurring series per space, not cancelled (docs/utilization.md, section 9)."""
    session.execute(delete(analytics_zombies))
    session.execute(
        insert(analytics_zombies).from_select(
            ["space_kind", "space_id", "series"],
            select(Booking.space_kind, Booking.space_id, func.count())
            .where(
                Booking.rrule.is_not(None),
                Booking.flagged_at.is_not(None),
                Booking.cancelled_at.is_(None),
            )
            .group_by(Booking.space_kind, Booking.space_id),
        )
    )
