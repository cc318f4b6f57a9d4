"""Time-weighted utilization of one space per local day, and sums over many spaces.

All durations are ``timedelta`` (exact to the microsecond); they become hours only at
the API boundary. Utilization is occupied time over *known* working time, so hours
without data (terminal offline, nothing reported yet) neither count as empty nor as used.
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from hub.analytics.schedule import WorkSchedule
from hub.analytics.timeline import Segment, State, require_aware

ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Usage:
    """Sums that add up across days and spaces; ratios are derived, never summed."""

    working: timedelta = ZERO  # working time inside the requested range, past and future
    future: timedelta = ZERO  # the part of ``working`` after ``now``
    known: timedelta = ZERO  # past working time with a known state
    occupied: timedelta = ZERO  # occupied working time
    occupied_total: timedelta = ZERO  # occupied time at any hour of the day(s)

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Usage)))

    @property
    def past_working(self) -> timedelta:
        return self.working - self.future

    @property
    def utilization(self) -> float | None:
        """Occupied / known working time; None means no data (not 0%)."""
        return self.occupied / self.known if self.known else None

    @property
    def coverage(self) -> float | None:
        """Known / elapsed working time: how much of the time that has passed had data.

        Future hours are not missing data, so they are left out; None when no working
        time has passed yet.
        """
        past = self.past_working
        return self.known / past if past else None


def total(usages: Iterable[Usage]) -> Usage:
    result = Usage()
    for usage in usages:
        result = result + usage
    return result


@dataclass(frozen=True, slots=True)
class DayUsage:
    """One space on one local calendar day (in the space's own time zone)."""

    day: date
    working_day: bool  # False on days off: weekends, holidays
    holiday: bool
    usage: Usage


class _Index:
    """Sorted, non-overlapping segments with fast 'time in state X within [lo, hi)'."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self._segments = segments
        self._starts = [s.start for s in segments]

    def time_in(self, lo: datetime, hi: datetime, states: frozenset[State]) -> timedelta:
        if lo >= hi:
            return ZERO
        found = ZERO
        # The segment containing ``lo`` starts at or before it.
        i = max(bisect_right(self._starts, lo) - 1, 0)
        for seg in self._segments[i:]:
            if seg.start >= hi:
                break
            if seg.state in states:
                overlap = min(seg.end, hi) - max(seg.start, lo)
                if overlap > ZERO:
                    found += overlap
        return found


_KNOWN = frozenset({State.OCCUPIED, State.VACANT})
_OCCUPIED = frozenset({State.OCCUPIED})


def daily_usage(
    segments: Sequence[Segment],
    schedule: WorkSchedule,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[DayUsage]:
    """Usage of one space for every local day overlapping ``[start, end)``.

    ``segments`` is the space's timeline (``build_timeline``); time it does not cover
    counts as unknown. A day cut by the range boundary counts only its part inside.
    """
    require_aware(start=start, end=end, now=now)
    index = _Index(sorted(segments, key=lambda s: s.start))
    days: list[DayUsage] = []
    for day in schedule.local_days(start, end):
        day_lo, day_hi = schedule.day_bounds(day)
        occupied_total = index.time_in(max(day_lo, start), min(day_hi, end), _OCCUPIED)
        usage = Usage(occupied_total=occupied_total)
        window = schedule.working_window(day)
        if window is not None:
            lo, hi = max(window[0], start), min(window[1], end)
            if lo < hi:
                usage = Usage(
                    working=hi - lo,
                    future=hi - max(lo, now) if now < hi else ZERO,
                    # Nothing is known after ``now``: the timeline stops there.
                    known=index.time_in(lo, min(hi, now), _KNOWN),
                    occupied=index.time_in(lo, min(hi, now), _OCCUPIED),
                    occupied_total=occupied_total,
                )
        days.append(
            DayUsage(
                day=day,
                working_day=schedule.is_working_day(day),
                holiday=schedule.is_holiday(day),
                usage=usage,
            )
        )
    return days
