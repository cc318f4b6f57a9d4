"""What the terminal said about a space, for explanations: the fused state in force (with the
signals that decided it) and the motion sensors' quiet stretches. Pure logic.

With occupancy fusion a room can be occupied while its PIR sees nothing (one person reading,
a door closed behind people sitting still). The hub keeps such a booking, and says so: the
audit trail names the signals that kept it (docs/checkin.md, "Kept").
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: Sensor kinds whose pulses are "motion" (sensor_events.kind).
MOTION_KINDS = frozenset({"pir_motion"})


@dataclass(frozen=True, slots=True)
class StateNote:
    """One occupancy message as stored: a change of state, or a repeat with a new band."""

    ts: datetime
    occupied: bool
    signals: tuple[str, ...] = ()
    probability: float | None = None
    band: int | None = None
    band_top: int | None = None


@dataclass(frozen=True, slots=True)
class MotionEdge:
    """A motion sensor went active (a pulse began) or inactive at ``ts``."""

    ts: datetime
    sensor_id: str
    active: bool


def in_force(notes: Sequence[StateNote], at: datetime) -> StateNote | None:
    """The newest note at or before ``at`` (of several at one instant, the last given)."""
    found = None
    for note in notes:
        if note.ts <= at and (found is None or note.ts >= found.ts):
            found = note
    return found


def note_seen(note: StateNote) -> dict[str, Any]:
    """The audit trail's entry for the state in force."""
    entry: dict[str, Any] = {
        "at": note.ts.isoformat(),
        "what": "space reported occupied" if note.occupied else "space reported vacant",
        "signals": list(note.signals),
    }
    if note.probability is not None:
        entry["probability"] = note.probability
    return entry


def signals_text(note: StateNote | None) -> str:
    """``" (door_sealed, presence-1)"``, or nothing when the terminal named no signals."""
    if note is None or not note.signals:
        return ""
    return f" ({', '.join(note.signals)})"


def quiet_stretches(
    edges: Sequence[MotionEdge], start: datetime, horizon: datetime
) -> list[tuple[datetime, datetime]]:
    """Stretches ``[from, to)`` within ``[start, horizon)`` with no motion sensor active.

    A stretch begins when the last active sensor goes inactive and ends at the next edge.
    Before the first edge nothing is known (no stretch): a space whose terminal sent no
    motion edges is never "quiet". ``edges`` may begin before ``start``.
    """
    stretches: list[tuple[datetime, datetime]] = []
    active: set[str] = set()
    quiet_from: datetime | None = None
    for edge in sorted(edges, key=lambda e: e.ts):
        if edge.ts >= horizon:
            break
        if quiet_from is not None:
            stretches.append((quiet_from, edge.ts))
            quiet_from = None
        if edge.active:
            active.add(edge.sensor_id)
        else:
            active.discard(edge.sensor_id)
            if not active:
                quiet_from = edge.ts
    if quiet_from is not None:
        stretches.append((quiet_from, horizon))
    return [(max(lo, start), hi) for lo, hi in stretches if hi > start and hi > max(lo, start)]
