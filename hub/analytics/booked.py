"""Booked against used: per-meeting facts and one space's figures per local day.

Pure logic over a space's timeline (``build_timeline``), its schedule and its booking
occurrences; no database. Every duration is a whole number of microseconds so that the
rollups (sums in SQL) and the exact computation agree to the last digit.
Definitions: docs/utilization.md, sections 8-13.
"""

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hub.analytics.schedule import WorkSchedule
from hub.analytics.timeline import Segment, State

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
HOURS = range(24)

#: Occurrence states that the analytics count as booked (everything but a cancellation).
CANCELLED = "cancelled"
NO_SHOW = "no_show"


def to_us(value: datetime) -> int:
    """An aware datetime as whole microseconds since the Unix epoch."""
    return (value - EPOCH) // _US


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


@dataclass(frozen=True, slots=True)
class Meeting:
    """One booking occurrence, as the analytics see it."""

    id: int
    booking_id: str
    starts_at: datetime
    ends_at: datetime
    state: str
    checked_in_at: datetime | None = None
    released_at: datetime | None = None
    release_reason: str | None = None
    peak_people: int | None = None
    # Organizer (if any) + attendee users + external attendees of the booking.
    invited: int = 0

    @property
    def counted(self) -> bool:
        return self.state != CANCELLED

    @property
    def booked_end(self) -> datetime:
        """A released occurrence holds the space only until its release."""
        if self.released_at is not None and self.state == "released":
            return max(self.starts_at, min(self.ends_at, self.released_at))
        return self.ends_at

    def fingerprint(self) -> str:
        """Everything the figures depend on, except the timeline."""
        parts = (
            self.booking_id,
            self.starts_at.isoformat(),
            self.ends_at.isoformat(),
            self.state,
            self.checked_in_at.isoformat() if self.checked_in_at else "",
            self.released_at.isoformat() if self.released_at else "",
            self.release_reason or "",
            "" if self.peak_people is None else str(self.peak_people),
            str(self.invited),
        )
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MeetingFacts:
    """What happened to one occurrence. ``people`` is None unless the meeting was held."""

    id: int
    booking_id: str
    day: date  # local date of the start
    starts_at: datetime
    ends_at: datetime
    fingerprint: str
    started: bool  # not cancelled and its start has passed
    held: bool  # checked in, and not a ghost
    no_show: bool  # released for nobody coming
    ghost: bool  # a no-show, or booked and the space empty the whole (past) booking
    people: int | None
    people_source: str | None  # "sensor" | "attendees"


@dataclass(slots=True)
class DayFigures:
    """One space on one local day. All durations in microseconds; see docs/utilization.md."""

    day: date
    working_us: int = 0
    elapsed_us: int = 0
    known_us: int = 0
    occupied_us: int = 0
    occupied_total_us: int = 0
    booked_us: int = 0
    booked_known_us: int = 0
    booked_occupied_us: int = 0
    meetings: int = 0
    no_shows: int = 0
    ghosts: int = 0
    occupied_h: list[int] = field(default_factory=lambda: [0] * 24)
    known_h: list[int] = field(default_factory=lambda: [0] * 24)

    def is_empty(self) -> bool:
        return not (
            self.working_us
            or self.occupied_total_us
            or self.booked_us
            or self.meetings
            or any(self.known_h)
        )


# -- intervals as sorted lists of (lo, hi) microsecond pairs ---------------------


Spans = list[tuple[int, int]]


def union(spans: Iterable[tuple[int, int]]) -> Spans:
    out: Spans = []
    for lo, hi in sorted(s for s in spans if s[0] < s[1]):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


class SpanIndex:
    """Sorted, non-overlapping spans with fast clipping to a window."""

    __slots__ = ("_his", "_spans")

    def __init__(self, spans: Spans) -> None:
        self._spans = spans
        self._his = [hi for _, hi in spans]

    def clip(self, lo: int, hi: int) -> Spans:
        if lo >= hi:
            return []
        out: Spans = []
        for i in range(bisect_right(self._his, lo), len(self._spans)):
            s_lo, s_hi = self._spans[i]
            if s_lo >= hi:
                break
            out.append((max(s_lo, lo), min(s_hi, hi)))
        return out


def length(spans: Spans) -> int:
    return sum(hi - lo for lo, hi in spans)


def intersect(a: Spans, b: Spans) -> Spans:
    out: Spans = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def spread(spans: Spans, edges: Sequence[int], into: list[int]) -> None:
    """Add each span's length to the buckets ``[edges[h], edges[h + 1])`` it overlaps."""
    for lo, hi in spans:
        h = max(bisect_right(edges, lo) - 1, 0)
        while lo < hi and h < len(into):
            top = min(hi, edges[h + 1])
            if top > lo:
                into[h] += top - lo
                lo = top
            h += 1


@lru_cache(maxsize=65536)
def hour_edges(zone: ZoneInfo, day: date) -> tuple[int, ...]:
    """25 instants: the start of each local hour 0-23 of ``day``, then the next midnight.

    Read with ``fold=0`` (as the working hours are): on a fall-back day the repeated hour
    belongs to its local hour number (it is two hours long), on a spring-forward day the
    skipped hour is empty.
    """
    edges = [to_us(datetime.combine(day, time(h), tzinfo=zone).astimezone(UTC)) for h in HOURS]
    edges.append(to_us(datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)))
    # A gap makes an hour start where the next one does; keep the edges monotonic.
    for h in range(1, 25):
        edges[h] = max(edges[h], edges[h - 1])
    return tuple(edges)


# -- the figures ----------------------------------------------------------------------


def known_spans(segments: Iterable[Segment]) -> tuple[Spans, Spans]:
    """(known, occupied) spans of a timeline."""
    known: Spans = []
    occupied: Spans = []
    for seg in segments:
        if seg.state is State.UNKNOWN:
            continue
        span = (to_us(seg.start), to_us(seg.end))
        if known and known[-1][1] == span[0]:
            known[-1] = (known[-1][0], span[1])
        else:
            known.append(span)
        if seg.state is State.OCCUPIED:
            occupied.append(span)
    return known, occupied


def meeting_facts(
    meetings: Iterable[Meeting],
    schedule: WorkSchedule,
    known: SpanIndex,
    occupied: SpanIndex,
    now: datetime,
) -> list[MeetingFacts]:
    now_us = to_us(now)
    out = []
    for m in meetings:
        started = m.counted and m.starts_at <= now
        no_show = m.state == "released" and m.release_reason == NO_SHOW
        ghost = no_show
        lo, hi = to_us(m.starts_at), to_us(m.booked_end)
        if started and not ghost and lo < hi <= now_us:
            # Empty the whole time, and the whole time known: nobody came.
            ghost = length(known.clip(lo, hi)) == hi - lo and not occupied.clip(lo, hi)
        # Checked in and not a ghost (a check-in through the API with the room seen empty
        # all the time does not make a meeting).
        held = started and m.checked_in_at is not None and not ghost
        people: int | None = None
        source: str | None = None
        if held:
            if m.peak_people is not None:
                people, source = m.peak_people, "sensor"
            else:
                people, source = m.invited, "attendees"
        out.append(
            MeetingFacts(
                id=m.id,
                booking_id=m.booking_id,
                day=m.starts_at.astimezone(schedule.timezone).date(),
                starts_at=m.starts_at,
                ends_at=m.ends_at,
                fingerprint=m.fingerprint(),
                started=started,
                held=held,
                no_show=no_show and started,
                ghost=ghost and started,
                people=people,
                people_source=source,
            )
        )
    return out


def day_figures(
    days: Iterable[date],
    schedule: WorkSchedule,
    *,
    known: SpanIndex,
    occupied: SpanIndex,
    booked: SpanIndex,
    meetings: Sequence[MeetingFacts],
    now: datetime,
) -> list[DayFigures]:
    """The figures of one space for each of ``days`` (whole local days, up to ``now``)."""
    now_us = to_us(now)
    by_day: dict[date, list[MeetingFacts]] = {}
    for fact in meetings:
        by_day.setdefault(fact.day, []).append(fact)
    out = []
    for day in days:
        edges = hour_edges(schedule.timezone, day)
        fig = DayFigures(day)
        fig.occupied_total_us = length(occupied.clip(edges[0], min(edges[24], now_us)))
        window = schedule.working_window(day)
        if window is not None:
            w_lo, w_hi = to_us(window[0]), to_us(window[1])
            past_hi = min(w_hi, now_us)
            fig.working_us = w_hi - w_lo
            fig.elapsed_us = max(past_hi - w_lo, 0)
            k = known.clip(w_lo, past_hi)
            o = occupied.clip(w_lo, past_hi)
            b = booked.clip(w_lo, past_hi)
            fig.known_us, fig.occupied_us, fig.booked_us = length(k), length(o), length(b)
            fig.booked_known_us = length(intersect(b, k))
            fig.booked_occupied_us = length(intersect(b, o))
            spread(k, edges, fig.known_h)
            spread(o, edges, fig.occupied_h)
        for fact in by_day.get(day, ()):
            if fact.started:
                fig.meetings += 1
                fig.no_shows += fact.no_show
                fig.ghosts += fact.ghost
        out.append(fig)
    return out


def booked_spans(meetings: Iterable[Meeting]) -> Spans:
    return union((to_us(m.starts_at), to_us(m.booked_end)) for m in meetings if m.counted)


__all__ = [
    "DayFigures",
    "Meeting",
    "MeetingFacts",
    "SpanIndex",
    "booked_spans",
    "day_figures",
    "from_us",
    "hour_edges",
    "known_spans",
    "meeting_facts",
    "to_us",
    "union",
]
