"""Live state of rooms and desks (``space_states``): the latest change by device time wins.

Messages can arrive late (a terminal's spool replaying after an outage, a
broker re-delivery), so a change only moves the live state when its device
timestamp is at least the newest one already applied to that space
(``last_change_ts``). ``since`` is not enough for that: it marks when the
current value began and stays put when a change repeats the value, so it can
be older than the newest change. Late changes still go into the history; the
live value ignores them, and ``since`` is re-read from the history when a late
change falls inside the current run or extends it backwards. So the state is the
same whatever order a space's changes arrive in, which several hub workers
committing one room's changes concurrently rely on (docs/scaling.md). A
heartbeat's snapshot only fills in spaces that have no state yet.

The fused estimate of a terminal with occupancy fusion (probability, headcount band,
the signals that decided) rides along: the newest by device time (``estimated_at``)
wins, from an occupancy message (a repeat of ``occupied`` with another band included)
or from a heartbeat whose snapshot agrees with the state. A repeat is never a change of
state: ``since`` stays put.

Like devices, states are plain rows written back with one Core statement per
kind of change, because a busy batch touches many of them.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from hub.db.models import OccupancyChange, SpaceState
from hub.ingest.org import SpaceKey, chunked

_STATES = cast(Table, SpaceState.__table__)
_HISTORY = cast(Table, OccupancyChange.__table__)
_COLUMNS = (
    "space_kind",
    "space_id",
    "occupied",
    "since",
    "updated_at",
    "last_change_ts",
    "probability",
    "band",
    "band_top",
    "band_confidence",
    "signals",
    "estimated_at",
)
_WRITE_BACK = (
    update(_STATES)
    .where(
        and_(
            *(
                _STATES.c[name] == bindparam(f"b_{name}", type_=_STATES.c[name].type)
                for name in _COLUMNS[:2]
            )
        )
    )
    .values({name: bindparam(f"b_{name}", type_=_STATES.c[name].type) for name in _COLUMNS[2:]})
)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A terminal's fused estimate at device time ``at`` (all None without fusion)."""

    at: datetime
    probability: float | None = None
    band: int | None = None
    band_top: int | None = None
    band_confidence: float | None = None
    signals: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return self.probability is not None or self.band is not None


@dataclass(slots=True)
class _State:
    space_kind: str
    space_id: str
    occupied: bool
    since: datetime
    updated_at: datetime
    last_change_ts: datetime | None
    probability: float | None = None
    band: int | None = None
    band_top: int | None = None
    band_confidence: float | None = None
    signals: list[str] | None = None
    estimated_at: datetime | None = None
    is_new: bool = field(default=False, compare=False)
    dirty: bool = field(default=False, compare=False)

    def take(self, estimate: Estimate, *, force: bool = False) -> bool:
        """Carry ``estimate`` unless a newer one is here; True when the band moved."""
        if not force and self.estimated_at is not None and estimate.at < self.estimated_at:
            return False
        moved = (estimate.band, estimate.band_top) != (self.band, self.band_top)
        self.probability, self.band = estimate.probability, estimate.band
        self.band_top, self.band_confidence = estimate.band_top, estimate.band_confidence
        self.signals, self.estimated_at = list(estimate.signals), estimate.at
        self.dirty = True
        return moved


class SpaceBook:
    """The space states one batch touches: loaded up front, changed in memory, written once."""

    def __init__(self, session: Session, keys: Iterable[SpaceKey]) -> None:
        self._states: dict[SpaceKey, _State] = {}
        # States whose ``since`` a late change may have moved: (room, hub time, device time of
        # the earliest such change) for each.
        self._recheck: dict[SpaceKey, tuple[str, datetime, datetime]] = {}
        by_kind: dict[str, set[str]] = defaultdict(set)
        for kind, space_id in keys:
            by_kind[kind].add(space_id)
        # One "kind = ? AND id IN (...)" query per kind: it searches the primary key, where a
        # row-value IN ((kind, id), ...) makes SQLite scan the whole table.
        # Locked (PostgreSQL) in key order, as in hub.ingest.devices.load_devices: another
        # hub worker applying a change to the same space waits, then reads this one's result.
        columns = [_STATES.c[name] for name in _COLUMNS]
        for kind, ids in sorted(by_kind.items()):
            for chunk in chunked(ids):
                query = (
                    select(*columns)
                    .where(_STATES.c.space_kind == kind, _STATES.c.space_id.in_(chunk))
                    .order_by(_STATES.c.space_id)
                    .with_for_update()
                )
                for row in session.execute(query):
                    state = _State(*row)
                    state.occupied = bool(state.occupied)
                    self._states[(kind, state.space_id)] = state

    def apply_change(
        self,
        key: SpaceKey,
        occupied: bool,
        ts: datetime,
        room_id: str,
        now: datetime,
        estimate: Estimate | None = None,
    ) -> dict[str, Any] | None:
        """Record a change; return a live event if the visible state or its band moved."""
        estimate = estimate or Estimate(ts)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _State(*key, occupied, ts, now, ts, is_new=True)
            state.take(estimate)
            return _event(state, room_id)
        newest = max(state.since, state.last_change_ts) if state.last_change_ts else state.since
        if ts < newest:
            # Late: history only, newer news decided the value. But it may move where the
            # current run of equal values began (``since``): an opposite change inside the
            # run, or an equal one before it. write() then re-reads that from the history,
            # so the state ends the same whatever order changes arrive in (two hub workers
            # commit a room's consecutive changes in either order).
            breaks_run = occupied != state.occupied and ts >= state.since
            extends_run = occupied == state.occupied and ts < state.since
            if breaks_run or extends_run:
                _, _, earliest = self._recheck.get(key, (room_id, now, ts))
                self._recheck[key] = (room_id, now, min(earliest, ts))
            return None
        state.last_change_ts, state.dirty = ts, True
        # A new value brings its own estimate, even if a heartbeat of the old one was newer.
        band_moved = state.take(estimate, force=state.occupied != occupied)
        if state.occupied == occupied:
            # A repeat (the terminal's initial report after a restart, or a band change): not
            # a change of state, but dashboards show the band.
            return _event(state, room_id) if band_moved and estimate.given else None
        state.occupied, state.since, state.updated_at = occupied, ts, now
        return _event(state, room_id)

    def init_from_snapshot(
        self,
        key: SpaceKey,
        occupied: bool,
        ts: datetime,
        room_id: str,
        now: datetime,
        estimate: Estimate | None = None,
    ) -> dict[str, Any] | None:
        """A heartbeat's snapshot fills in spaces the hub has never had a state for, and
        refreshes the fused estimate of a state it agrees with (never ``occupied``)."""
        estimate = estimate or Estimate(ts)
        state = self._states.get(key)
        if state is not None:
            newest = state.last_change_ts or state.since
            if estimate.given and state.occupied == occupied and ts >= newest:
                state.take(estimate)
            return None
        state = self._states[key] = _State(*key, occupied, ts, now, None, is_new=True)
        state.take(estimate)
        return _event(state, room_id)

    def write(self, session: Session) -> list[dict[str, Any]]:
        """Write the states back (after the batch's history rows); returns live events for
        states whose ``since`` a late change moved."""
        events = []
        history = _history_since(session, {k: v[2] for k, v in self._recheck.items()})
        for key, (room_id, now, _) in sorted(self._recheck.items()):
            state = self._states[key]
            since = _run_start(state, history.get(key, []))
            if since != state.since:
                state.since, state.updated_at, state.dirty = since, now, True
                events.append(_event(state, room_id))
        states = [self._states[key] for key in sorted(self._states)]
        new = [s for s in states if s.is_new]
        changed = [s for s in states if s.dirty and not s.is_new]
        if new:
            session.execute(insert(_STATES), [_values(s, "") for s in new])
        if changed:
            session.execute(_WRITE_BACK, [_values(s, "b_") for s in changed])
        return events


def _history_since(
    session: Session, earliest: dict[SpaceKey, datetime]
) -> dict[SpaceKey, list[tuple[datetime, bool]]]:
    """Each space's history from its earliest late change on, in device time order: one
    query for all of them (from the earliest of those times; the batch's own changes are
    already inserted), sorted out here."""
    found: dict[SpaceKey, list[tuple[datetime, bool]]] = defaultdict(list)
    if not earliest:
        return found
    params = {
        "kinds": sorted({kind for kind, _ in earliest}),
        "ids": sorted({space_id for _, space_id in earliest}),
        "ts": min(earliest.values()),
    }
    for kind, space_id, ts, occupied in session.execute(_HISTORY_SINCE, params):
        key = (kind, space_id)
        if key in earliest and ts >= earliest[key]:
            found[key].append((ts, bool(occupied)))
    for changes in found.values():
        changes.sort(key=lambda change: change[0])
    return found


_HISTORY_SINCE = select(
    _HISTORY.c.space_kind, _HISTORY.c.space_id, _HISTORY.c.ts, _HISTORY.c.occupied
).where(  # (kind, id, ts): the order of ix_occupancy_changes_space_ts
    _HISTORY.c.space_kind.in_(bindparam("kinds", expanding=True)),
    _HISTORY.c.space_id.in_(bindparam("ids", expanding=True)),
    _HISTORY.c.ts >= bindparam("ts", type_=_HISTORY.c.ts.type),
)


def _run_start(state: _State, window: list[tuple[datetime, bool]]) -> datetime:
    """Where the newest run of ``state.occupied`` began, given the history from the earliest
    late change on. If that window holds an opposite value, the run began at the first
    change after the last one; if not, the window only adds to the run's start."""
    opposite = [ts for ts, occupied in window if occupied != state.occupied]
    if opposite:
        last = max(opposite)
        after = (ts for ts, occupied in window if occupied == state.occupied and ts > last)
        return min(after, default=state.since)  # none: the value came from a heartbeat
    return min([state.since, *(ts for ts, _ in window)])


def _values(state: _State, prefix: str) -> dict[str, Any]:
    return {f"{prefix}{name}": getattr(state, name) for name in _COLUMNS}


def _event(state: _State, room_id: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "space",
        "space_kind": state.space_kind,
        "space_id": state.space_id,
        "room_id": room_id,
        "occupied": state.occupied,
        "since": state.since.isoformat(),
    }
    if state.probability is not None or state.band is not None:  # a terminal with fusion
        event.update(
            probability=state.probability,
            band=state.band,
            band_top=state.band_top,
            band_confidence=state.band_confidence,
            signals=list(state.signals or []),
        )
    return event
