"""Live state of rooms and desks (``space_states``): the latest change by device time wins.

Messages can arrive late (a terminal's spool replaying after an outage, a
broker re-delivery), so a change only moves the live state when its device
timestamp is at least the newest one already applied to that space
(``last_change_ts``). ``since`` is not enough for that: it marks when the
current value began and stays put when a change repeats the value, so it can
be older than the newest change. Late changes still go into the history; only
the live state ignores them. A heartbeat's snapshot only fills in spaces that
have no state yet.

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

from hub.db.models import SpaceState
from hub.ingest.org import SpaceKey, chunked

_STATES = cast(Table, SpaceState.__table__)
_COLUMNS = ("space_kind", "space_id", "occupied", "since", "updated_at", "last_change_ts")
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


@dataclass(slots=True)
class _State:
    space_kind: str
    space_id: str
    occupied: bool
    since: datetime
    updated_at: datetime
    last_change_ts: datetime | None
    is_new: bool = field(default=False, compare=False)
    dirty: bool = field(default=False, compare=False)


class SpaceBook:
    """The space states one batch touches: loaded up front, changed in memory, written once."""

    def __init__(self, session: Session, keys: Iterable[SpaceKey]) -> None:
        self._states: dict[SpaceKey, _State] = {}
        by_kind: dict[str, set[str]] = defaultdict(set)
        for kind, space_id in keys:
            by_kind[kind].add(space_id)
        # One "kind = ? AND id IN (...)" query per kind: it searches the primary key, where a
        # row-value IN ((kind, id), ...) makes SQLite scan the whole table.
        columns = [_STATES.c[name] for name in _COLUMNS]
        for kind, ids in by_kind.items():
            for chunk in chunked(ids):
                query = select(*columns).where(
                    _STATES.c.space_kind == kind, _STATES.c.space_id.in_(chunk)
                )
                for row in session.execute(query):
                    state = _State(*row)
                    state.occupied = bool(state.occupied)
                    self._states[(kind, state.space_id)] = state

    def apply_change(
        self, key: SpaceKey, occupied: bool, ts: datetime, room_id: str, now: datetime
    ) -> dict[str, Any] | None:
        """Record a change; return a live event if the visible state moved."""
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _State(*key, occupied, ts, now, ts, is_new=True)
            return _event(state, room_id)
        newest = max(state.since, state.last_change_ts) if state.last_change_ts else state.since
        if ts < newest:
            return None  # late: it is history, but newer news already decided the state
        state.last_change_ts, state.dirty = ts, True
        if state.occupied == occupied:
            return None  # a repeat (e.g. the terminal's initial report after a restart)
        state.occupied, state.since, state.updated_at = occupied, ts, now
        return _event(state, room_id)

    def init_from_snapshot(
        self, key: SpaceKey, occupied: bool, ts: datetime, room_id: str, now: datetime
    ) -> dict[str, Any] | None:
        """A heartbeat's snapshot fills in spaces the hub has never had a state for."""
        if key in self._states:
            return None
        state = self._states[key] = _State(*key, occupied, ts, now, None, is_new=True)
        return _event(state, room_id)

    def write(self, session: Session) -> None:
        new = [s for s in self._states.values() if s.is_new]
        changed = [s for s in self._states.values() if s.dirty and not s.is_new]
        if new:
            session.execute(insert(_STATES), [_values(s, "") for s in new])
        if changed:
            session.execute(_WRITE_BACK, [_values(s, "b_") for s in changed])


def _values(state: _State, prefix: str) -> dict[str, Any]:
    return {f"{prefix}{name}": getattr(state, name) for name in _COLUMNS}


def _event(state: _State, room_id: str) -> dict[str, Any]:
    return {
        "type": "space",
        "space_kind": state.space_kind,
        "space_id": state.space_id,
        "room_id": room_id,
        "occupied": state.occupied,
        "since": state.since.isoformat(),
    }
