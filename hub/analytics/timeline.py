"""A space's occupancy timeline: contiguous segments of occupied, vacant or unknown.

Built from two streams that the hub stores:

- occupancy changes, stamped by the terminal's clock (``ts``), and
- online/offline transitions of the terminal, stamped by the hub.

Rules (docs/utilization.md has the reasoning):

- Before the first change the state is unknown: no data is not the same as empty.
- While a terminal is offline the state is unknown.
- Going offline forgets the state. After the spell the state stays unknown until a
  change arrives (the terminal publishes its initial state on every start). A change
  stamped inside the spell (spooled while the network was down) re-establishes the
  state from the end of the spell, but never makes the spell itself known.
- The last state runs on up to ``now`` (an open interval); after ``now`` nothing is
  known, so no segment reaches past it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class State(StrEnum):
    OCCUPIED = "occupied"
    VACANT = "vacant"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class OccupancyPoint:
    """From ``ts`` on (terminal clock, aware UTC) the space is ``occupied`` or vacant."""

    ts: datetime
    occupied: bool


@dataclass(frozen=True, slots=True)
class StatusPoint:
    """A terminal went online or offline at ``at`` (hub clock, aware UTC)."""

    at: datetime
    online: bool


@dataclass(frozen=True, slots=True)
class Interval:
    """``[start, end)``; ``end`` is None while the interval is still open."""

    start: datetime
    end: datetime | None


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of time ``[start, end)`` in one state; unknown means no data."""

    # A plain dataclass: FastAPI and pydantic serialise it as it is.

    start: datetime
    end: datetime
    state: State


def require_aware(**values: datetime) -> None:
    """Naive datetimes would silently mean local time somewhere; refuse them."""
    for name, value in values.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def offline_spells(points: Iterable[StatusPoint]) -> list[Interval]:
    """One terminal's offline spells from its status transitions.

    Repeated transitions to the same status are harmless: a spell starts at the first
    ``offline`` and ends at the next ``online``. Before the first point the terminal
    counts as online (there is no evidence of an outage).
    """
    spells: list[Interval] = []
    spell_start: datetime | None = None
    # sorted() is stable: transitions at the same instant keep the order they were stored in.
    for point in sorted(points, key=lambda p: p.at):
        if not point.online and spell_start is None:
            spell_start = point.at
        elif point.online and spell_start is not None:
            spells.append(Interval(spell_start, point.at))
            spell_start = None
    if spell_start is not None:
        spells.append(Interval(spell_start, None))
    return spells


# Event kinds, in the order they apply at the same instant: an outage forgets the state
# first, so a change stamped exactly at the start of a spell counts as reported in it.
_SPELL_START, _CHANGE, _SPELL_END = 0, 1, 2


def build_timeline(
    changes: Iterable[OccupancyPoint],
    offline: Iterable[Interval],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Segment]:
    """Segments covering ``[start, min(end, now))`` without gaps, adjacent states distinct.

    ``changes`` may be unordered; changes at the same instant apply in the given order.
    Changes before ``start`` matter: the state at ``start`` is the last one before it.
    ``offline`` holds the spells of every terminal serving the space; they may overlap.
    """
    require_aware(start=start, end=end, now=now)
    horizon = min(end, now)
    if horizon <= start:
        return []

    events: list[tuple[datetime, int, bool]] = []
    for spell in offline:
        events.append((spell.start, _SPELL_START, False))
        if spell.end is not None:
            events.append((spell.end, _SPELL_END, False))
    events.extend((c.ts, _CHANGE, c.occupied) for c in changes)
    events.sort(key=lambda e: (e[0], e[1]))  # stable, so same-instant changes keep their order

    out: list[Segment] = []

    def emit(lo: datetime, hi: datetime, state: State) -> None:
        lo, hi = max(lo, start), min(hi, horizon)
        if lo >= hi:
            return
        if out and out[-1].state is state and out[-1].end == lo:
            out[-1] = Segment(out[-1].start, hi, state)
        else:
            out.append(Segment(lo, hi, state))

    current: bool | None = None  # last reported state; None = unknown
    # A depth, not a flag: spells of several terminals in one room may overlap or touch.
    offline_depth = 0
    cursor = start
    for at, kind, occupied in events:
        if at >= horizon:
            break
        emit(cursor, at, _state(current, offline_depth))
        if kind == _SPELL_START:
            offline_depth, current = offline_depth + 1, None
        elif kind == _SPELL_END:
            offline_depth -= 1
        else:
            current = occupied
        cursor = max(cursor, at)
    emit(cursor, horizon, _state(current, offline_depth))
    return out


def _state(current: bool | None, offline_depth: int) -> State:
    if offline_depth > 0 or current is None:
        return State.UNKNOWN
    return State.OCCUPIED if current else State.VACANT
