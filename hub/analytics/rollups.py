"""Pre-aggregated analytics, kept up to date incrementally from the raw rows.

Three tables (hub/db/models.py, "analytics rollups"):

- ``analytics_space_days``: one row per space and local day with its figures (and the
  occupied/known time of each local hour, for the heatmap);
- ``analytics_group_days``: the same summed per (kind, floor, department) and day, which is
  what floor, building and heatmap dashboards read;
- ``analytics_meetings``: one row per occurrence of a day that has been computed.

:func:`refresh_rollups` recomputes whole local days of the spaces that new rows touched since
its last run, and nothing else (docs/utilization.md, section 14):

- every space's days from the previous refresh's ``now`` to this one (open intervals run on,
  elapsed working time grows, meetings start), and the start day of every meeting that ended
  since (whether it was a ghost is known only then);
- a new occupancy change at ``ts`` (however late it arrived): the days from ``ts`` up to the
  space's next change after it;
- a new online/offline transition: its room's and desks' days from then to ``now``;
- an occurrence that is new, changed (its fingerprint differs) or gone: the days of its old
  and new times. Candidates are new ids, occurrences named by new decisions, occurrences of
  bookings updated since, and every occurrence overlapping the last day.

Ranges from new rows start a day early, so a meeting that began the evening before is
recomputed too.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session

from hub.analytics.booked import (
    DayFigures,
    Meeting,
    MeetingFacts,
    SpanIndex,
    booked_spans,
    day_figures,
    known_spans,
    meeting_facts,
)
from hub.analytics.queries import SpaceData, load_spaces
from hub.analytics.timeline import build_timeline, require_aware
from hub.db.models import (
    ROLLUP_HOURS,
    Booking,
    BookingAttendee,
    BookingDecision,
    BookingOccurrence,
    Desk,
    Device,
    DeviceStatusChange,
    OccupancyChange,
    Room,
    analytics_group_days,
    analytics_meetings,
    analytics_rollup_state,
    analytics_space_days,
    analytics_zombies,
)

STATE_NAME = "default"
#: Spaces computed together (one load per batch keeps memory bounded on a full rebuild).
BATCH_SPACES = 200
_MARGIN = timedelta(days=1)  # meetings that began the day before
_LOAD_MARGIN = timedelta(days=1)  # local days begin up to 14 h away from UTC midnight

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

SpaceKey = tuple[str, str]


@dataclass
class SpaceResult:
    space: SpaceData
    days: list[DayFigures]
    meetings: list[MeetingFacts]


@dataclass
class RefreshStats:
    full: bool
    spaces: int = 0
    space_days: int = 0
    meetings: int = 0
    group_days: int = 0
    days: set[date] = field(default_factory=set)


# -- computing -------------------------------------------------------------------------


def load_meetings(session: Session, where: Any) -> dict[SpaceKey, list[Meeting]]:
    """Occurrences matching ``where`` with the size of their invitation list."""
    attendees = (
        select(func.count())
        .where(
            BookingAttendee.booking_id == BookingOccurrence.booking_id,
            or_(Booking.organizer_id.is_(None), BookingAttendee.user_id != Booking.organizer_id),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            BookingOccurrence,
            Booking.organizer_id,
            Booking.external_attendees,
            attendees,
        )
        .join(Booking, Booking.id == BookingOccurrence.booking_id)
        .where(where)
        .order_by(BookingOccurrence.starts_at, BookingOccurrence.id)
    ).all()
    out: dict[SpaceKey, list[Meeting]] = defaultdict(list)
    for occ, organizer, external, users in rows:
        invited = (organizer is not None) + users + len(external or ())
        out[(occ.space_kind, occ.space_id)].append(
            Meeting(
                id=occ.id,
                booking_id=occ.booking_id,
                starts_at=occ.starts_at,
                ends_at=occ.ends_at,
                state=occ.state,
                checked_in_at=occ.checked_in_at,
                released_at=occ.released_at,
                release_reason=occ.release_reason,
                peak_people=occ.peak_people,
                invited=invited,
            )
        )
    return out


def compute_spaces(
    session: Session,
    *,
    room_ids: Collection[str],
    desk_ids: Collection[str],
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[SpaceResult]:
    """Exact figures from the raw rows for every local day overlapping ``[start, end)``.

    Whole local days always (a day cut by the range is computed whole), up to ``now``.
    Meetings are those whose local start day is one of those days.
    """
    require_aware(start=start, end=end, now=now)
    lo, hi = start - _LOAD_MARGIN, end + _LOAD_MARGIN
    spaces = load_spaces(session, room_ids=room_ids, desk_ids=desk_ids, start=lo, end=hi, now=now)
    if not spaces:
        return []
    of_spaces = or_(
        *(
            (BookingOccurrence.space_kind == kind) & BookingOccurrence.space_id.in_(ids)
            for kind in ("room", "desk")
            if (ids := [s.id for s in spaces if s.kind == kind])
        )
    )
    meetings = load_meetings(
        session, of_spaces & (BookingOccurrence.ends_at > lo) & (BookingOccurrence.starts_at < hi)
    )
    results = []
    for space in spaces:
        segments = build_timeline(space.changes, space.offline, start=lo, end=hi, now=now)
        known, occupied = (SpanIndex(s) for s in known_spans(segments))
        own = meetings.get((space.kind, space.id), [])
        days = list(space.schedule.local_days(start, end))
        wanted = set(days)
        facts = [
            f for f in meeting_facts(own, space.schedule, known, occupied, now) if f.day in wanted
        ]
        figures = day_figures(
            days,
            space.schedule,
            known=known,
            occupied=occupied,
            booked=SpanIndex(booked_spans(own)),
            meetings=facts,
            now=now,
        )
        results.append(SpaceResult(space, figures, facts))
    return results


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


def _write(session: Session, results: list[SpaceResult], stats: RefreshStats) -> None:
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
        for chunk in _chunks([m["occurrence_id"] for m in meetings], 500):
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


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def rebuild_group_days(session: Session, days: Collection[date]) -> int:
    """Recompute the per-group rows of ``days`` from the per-space rows."""
    written = 0
    s = analytics_space_days
    sums = [func.sum(s.c[name]).label(name) for name in SUM_COLUMNS]
    for chunk in _chunks(sorted(days), 400):
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


def _copy_zombies(session: Session) -> None:
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


# -- what changed ------------------------------------------------------------------------


def _marks(session: Session) -> dict[str, Any]:
    return {
        "occupancy_change_id": session.scalar(select(func.max(OccupancyChange.id))) or 0,
        "status_change_id": session.scalar(select(func.max(DeviceStatusChange.id))) or 0,
        "occurrence_id": session.scalar(select(func.max(BookingOccurrence.id))) or 0,
        "decision_id": session.scalar(select(func.max(BookingDecision.id))) or 0,
        "booking_updated_at": session.scalar(select(func.max(Booking.updated_at))),
    }


def _earliest(session: Session, now: datetime) -> datetime:
    candidates = [
        session.scalar(select(func.min(OccupancyChange.ts))),
        session.scalar(select(func.min(BookingOccurrence.starts_at))),
        session.scalar(select(func.min(DeviceStatusChange.at))),
    ]
    return min([c for c in candidates if c is not None] or [now])


class _Dirty:
    """Per space, the span of time whose days must be recomputed."""

    def __init__(self, now: datetime, covers_from: datetime) -> None:
        self.now = now
        self.covers_from = covers_from
        self.spans: dict[SpaceKey, tuple[datetime, datetime]] = {}

    def add(self, key: SpaceKey, lo: datetime, hi: datetime | None, margin: bool = True) -> None:
        hi = self.now if hi is None else min(hi, self.now)
        lo = max(lo - _MARGIN if margin else lo, self.covers_from)
        if lo >= hi:
            return
        old = self.spans.get(key)
        self.spans[key] = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)


def _changed_meetings(session: Session, state: Any, dirty: _Dirty) -> None:
    since = state.refreshed_at - _MARGIN
    bookings = set(
        session.scalars(
            select(BookingDecision.booking_id).where(BookingDecision.id > state.decision_id)
        )
    )
    if state.booking_updated_at is not None:
        bookings |= set(
            session.scalars(select(Booking.id).where(Booking.updated_at > state.booking_updated_at))
        )
    conditions = [
        BookingOccurrence.id > state.occurrence_id,
        (BookingOccurrence.ends_at > since) & (BookingOccurrence.starts_at < dirty.now),
    ]
    for chunk in _chunks(sorted(bookings), 500):
        conditions.append(BookingOccurrence.booking_id.in_(chunk))
    current = load_meetings(session, or_(*conditions))
    found = {m.id: (key, m) for key, ms in current.items() for m in ms}
    stored: dict[int, Any] = {}
    m = analytics_meetings.c
    for chunk in _chunks(sorted(found), 500):
        for row in session.execute(
            select(
                m.occurrence_id, m.space_kind, m.space_id, m.starts_at, m.ends_at, m.fingerprint
            ).where(m.occurrence_id.in_(chunk))
        ):
            stored[row.occurrence_id] = row
    for occ_id, (key, meeting) in found.items():
        old = stored.get(occ_id)
        if (
            old is not None
            and old.fingerprint == meeting.fingerprint()
            and ((old.space_kind, old.space_id) == key)
        ):
            continue
        if old is not None:
            dirty.add((old.space_kind, old.space_id), old.starts_at, old.ends_at)
        if meeting.starts_at <= dirty.now:
            dirty.add(key, meeting.starts_at, meeting.ends_at)
    # Occurrences that no longer exist (a series re-expanded, a booking deleted).
    gone_where: list[Any] = [m.booking_id.in_(c) for c in _chunks(sorted(bookings), 500)]
    gone_where.append(~select(Booking.id).where(Booking.id == m.booking_id).exists())
    gone = session.execute(
        select(m.occurrence_id, m.space_kind, m.space_id, m.starts_at, m.ends_at).where(
            or_(*gone_where),
            ~select(BookingOccurrence.id).where(BookingOccurrence.id == m.occurrence_id).exists(),
        )
    ).all()
    for old in gone:
        dirty.add((old.space_kind, old.space_id), old.starts_at, old.ends_at)
    if gone:
        ids = [old.occurrence_id for old in gone]
        for chunk in _chunks(ids, 500):
            session.execute(delete(analytics_meetings).where(m.occurrence_id.in_(chunk)))


def refresh_rollups(session: Session, now: datetime, *, full: bool = False) -> RefreshStats:
    """Bring the rollups up to ``now``; commit is the caller's. ``full`` rebuilds everything."""
    require_aware(now=now)
    state = session.execute(
        select(analytics_rollup_state).where(analytics_rollup_state.c.name == STATE_NAME)
    ).first()
    marks = _marks(session)
    rooms = dict(session.execute(select(Room.id, Room.id)).all())
    desks_by_room: dict[str, list[str]] = defaultdict(list)
    for desk_id, room_id in session.execute(select(Desk.id, Desk.room_id)):
        desks_by_room[room_id].append(desk_id)
    every = [("room", r) for r in rooms] + [
        ("desk", d) for ds in desks_by_room.values() for d in ds
    ]
    full = full or state is None or now < state.refreshed_at
    if full:
        for table in (analytics_space_days, analytics_group_days, analytics_meetings):
            session.execute(delete(table))
        covers_from = _earliest(session, now)
        if state is not None:
            covers_from = min(covers_from, state.covers_from)
        dirty = _Dirty(now, covers_from)
        for key in every:
            dirty.add(key, covers_from, now)
    else:
        assert state is not None  # for mypy: not full, so there is a state
        covers_from = state.covers_from
        dirty = _Dirty(now, covers_from)
        for key in every:
            dirty.add(key, state.refreshed_at, now, margin=False)
        # A meeting that began before the last refresh and ended since: its start day (maybe
        # yesterday) gets its outcome now (a ghost is known only once the meeting is over).
        for kind, space_id, starts_at in session.execute(
            select(
                BookingOccurrence.space_kind,
                BookingOccurrence.space_id,
                BookingOccurrence.starts_at,
            ).where(
                BookingOccurrence.ends_at > state.refreshed_at - _MARGIN,
                BookingOccurrence.ends_at <= now,
                BookingOccurrence.starts_at < state.refreshed_at,
            )
        ):
            dirty.add((kind, space_id), starts_at, now, margin=False)
        # A late change rewrites its space's timeline up to the next change after it.
        later = (
            select(func.min(OccupancyChange.ts))
            .where(
                OccupancyChange.space_kind == _NEW.space_kind,
                OccupancyChange.space_id == _NEW.space_id,
                OccupancyChange.ts > _NEW.ts,
            )
            .scalar_subquery()
        )
        for kind, space_id, ts, next_ts in session.execute(
            select(_NEW.space_kind, _NEW.space_id, _NEW.ts, later).where(
                _NEW.id > state.occupancy_change_id
            )
        ):
            dirty.add((kind, space_id), ts, next_ts)
        for room_id, at in session.execute(
            select(Device.room_id, DeviceStatusChange.at)
            .join(Device, Device.id == DeviceStatusChange.device_id)
            .where(DeviceStatusChange.id > state.status_change_id)
        ):
            dirty.add(("room", room_id), at, None)
            for desk_id in desks_by_room.get(room_id, ()):
                dirty.add(("desk", desk_id), at, None)
        _changed_meetings(session, state, dirty)

    stats = RefreshStats(full=full)
    # Spaces with the same span are loaded together.
    by_span: dict[tuple[datetime, datetime], list[SpaceKey]] = defaultdict(list)
    for key, span in dirty.spans.items():
        by_span[span].append(key)
    for (lo, hi), keys in sorted(by_span.items()):
        for chunk in _chunks(sorted(keys), BATCH_SPACES):
            results = compute_spaces(
                session,
                room_ids=[i for k, i in chunk if k == "room"],
                desk_ids=[i for k, i in chunk if k == "desk"],
                start=lo,
                end=hi,
                now=now,
            )
            _write(session, results, stats)
    stats.group_days = rebuild_group_days(session, stats.days)
    _copy_zombies(session)

    values = {"refreshed_at": now, "covers_from": covers_from, **marks}
    if state is None:
        session.execute(insert(analytics_rollup_state).values(name=STATE_NAME, **values))
    else:
        session.execute(
            analytics_rollup_state.update()
            .where(analytics_rollup_state.c.name == STATE_NAME)
            .values(**values)
        )
    return stats


_NEW = OccupancyChange.__table__.alias("new_change").c

__all__ = ["RefreshStats", "compute_spaces", "rebuild_group_days", "refresh_rollups"]
