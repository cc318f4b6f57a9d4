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
recomputed too. Days whose raw rows the retention job has deleted are never recomputed
(hub.retention.horizon): a rebuild keeps them as they are.

The work is split by idea: hub.analytics.rollup_compute computes rows from the raw ones,
hub.analytics.rollup_store writes them and the per-group sums, hub.analytics.rollup_changes
finds what is stale; this module runs a refresh.
"""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from hub.analytics.rollup_changes import (
    MARGIN,
    DirtySpans,
    changed_meetings,
    earliest_raw_time,
    high_water_marks,
)
from hub.analytics.rollup_compute import SpaceKey, compute_spaces
from hub.analytics.rollup_store import (
    RefreshStats,
    chunks,
    copy_zombies,
    rebuild_group_days,
    write_results,
)
from hub.analytics.timeline import require_aware
from hub.db.models import (
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
)
from hub.retention.horizon import floor_start, rollup_floor

STATE_NAME = "default"
#: Spaces computed together (one load per batch keeps memory bounded on a full rebuild).
BATCH_SPACES = 200


def refresh_rollups(session: Session, now: datetime, *, full: bool = False) -> RefreshStats:
    """Bring the rollups up to ``now``; commit is the caller's. ``full`` rebuilds everything."""
    require_aware(now=now)
    state = session.execute(
        select(analytics_rollup_state).where(analytics_rollup_state.c.name == STATE_NAME)
    ).first()
    marks = high_water_marks(session)
    rooms = dict(session.execute(select(Room.id, Room.id)).all())
    desks_by_room: dict[str, list[str]] = defaultdict(list)
    for desk_id, room_id in session.execute(select(Desk.id, Desk.room_id)):
        desks_by_room[room_id].append(desk_id)
    every = [("room", r) for r in rooms] + [
        ("desk", d) for ds in desks_by_room.values() for d in ds
    ]
    full = full or state is None or now < state.refreshed_at
    # Days before the floor lost their raw rows to the retention job: they are kept as they
    # were computed, never recomputed (hub/retention/horizon.py).
    floor = rollup_floor(session)
    if full:
        covers_from = earliest_raw_time(session, now)
        if state is not None:
            covers_from = min(covers_from, state.covers_from)
        recompute_from = covers_from
        for table in (analytics_space_days, analytics_group_days, analytics_meetings):
            if floor is None:
                session.execute(delete(table))
            else:
                session.execute(delete(table).where(table.c.day >= floor))
        if floor is not None:
            recompute_from = max(covers_from, floor_start(floor))
        dirty = DirtySpans(now, recompute_from)
        for key in every:
            dirty.add(key, recompute_from, now)
    else:
        assert state is not None  # for mypy: not full, so there is a state
        covers_from = state.covers_from
        lowest = covers_from if floor is None else max(covers_from, floor_start(floor))
        dirty = DirtySpans(now, lowest)
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
                BookingOccurrence.ends_at > state.refreshed_at - MARGIN,
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
        changed_meetings(session, state, dirty)

    stats = RefreshStats(full=full)
    # Spaces with the same span are loaded together.
    by_span: dict[tuple[datetime, datetime], list[SpaceKey]] = defaultdict(list)
    for key, span in dirty.spans.items():
        by_span[span].append(key)
    for (lo, hi), keys in sorted(by_span.items()):
        for chunk in chunks(sorted(keys), BATCH_SPACES):
            results = compute_spaces(
                session,
                room_ids=[i for k, i in chunk if k == "room"],
                desk_ids=[i for k, i in chunk if k == "desk"],
                start=lo,
                end=hi,
                now=now,
            )
            write_results(session, results, stats)
    stats.group_days = rebuild_group_days(session, stats.days)
    copy_zombies(session)

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
