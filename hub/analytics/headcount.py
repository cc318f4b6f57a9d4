"""Sensor head counts from headcount bands (terminals with fusion and a people counter).

A terminal with occupancy fusion reports a band (0, 1, 2, ... ``band_top``, the top band
meaning "``band_top`` or more") with each change of state and whenever the band changes
and has held 30 s. A meeting's head count is the highest band held for at least
:data:`MIN_HOLD` without a break: someone putting their head in for a minute does not make a
meeting bigger. The top band counts as ``band_top`` people (a lower bound). Pure logic.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

#: How long a band must hold, in one stretch, to count as the meeting's head count.
MIN_HOLD = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class BandPoint:
    """From ``ts`` on the space is ``occupied`` with ``band`` people (None: number unknown)."""

    ts: datetime
    occupied: bool
    band: int | None
    band_top: int | None = None


def band_label(band: int | None, band_top: int | None) -> str | None:
    """``"2"``, or ``"3+"`` for the top band; None when the number is unknown."""
    if band is None:
        return None
    return f"{band}+" if band_top is not None and band >= band_top else str(band)


def meeting_head_count(
    points: Iterable[BandPoint], start: datetime, end: datetime, hold: timedelta = MIN_HOLD
) -> int | None:
    """The highest band held for ``hold`` in one stretch within ``[start, end)``.

    ``points`` may start before ``start`` (the one in force then counts). None when no band
    of at least 1 held that long: the number is unknown, and attendees stand in for it.
    """
    ordered = sorted(points, key=lambda p: p.ts)  # stable: same-instant points keep order
    pieces: list[tuple[datetime, datetime, int | None]] = []
    for index, point in enumerate(ordered):
        until = ordered[index + 1].ts if index + 1 < len(ordered) else end
        lo, hi = max(point.ts, start), min(until, end)
        if lo < hi:
            pieces.append((lo, hi, point.band if point.occupied else 0))
    for candidate in sorted({b for _, _, b in pieces if b}, reverse=True):
        run = timedelta(0)
        for lo, hi, band in pieces:
            run = run + (hi - lo) if band is not None and band >= candidate else timedelta(0)
            if run >= hold:
                return candidate
    return None
