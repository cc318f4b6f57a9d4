"""Property tests: the fast computation agrees with a slow, obvious one, and sums add up.

Every instant in these scenarios lies on a 5-minute grid (working hours on half hours,
zones with whole- or half-hour offsets), so the oracle can decide each 5-minute slot by
looking at its first instant and count slots. Ranges sit on daylight-saving changes of
several zones, including Lord Howe's 30-minute shift.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.analytics.schedule import WorkSchedule
from hub.analytics.timeline import (
    OccupancyPoint,
    Segment,
    State,
    StatusPoint,
    build_timeline,
    offline_spells,
)
from hub.analytics.utilization import Usage, daily_usage, total

SLOT = timedelta(minutes=5)
SLOTS = 4 * 24 * 12  # four days
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
# Around DST changes: Berlin (Mar 30, Oct 26), New York (Mar 9, Nov 2), Lord Howe (Apr 6, Oct 5).
BASES = [
    date(2025, 3, 29),
    date(2025, 10, 25),
    date(2025, 3, 8),
    date(2025, 11, 1),
    date(2025, 4, 5),
    date(2025, 10, 4),
    date(2025, 6, 2),
]
# Half hours, leaving out 01:00-02:59 where these zones repeat or skip wall-clock times:
# there "local time between start and end" has no single meaning the oracle could use.
CLOCKS = [time(hh, mm) for hh in range(24) if hh not in (1, 2) for mm in (0, 30)]


@dataclass(frozen=True)
class Scenario:
    schedule: WorkSchedule
    changes: list[OccupancyPoint]
    status: list[StatusPoint]
    start: datetime
    end: datetime
    now: datetime
    mid: datetime  # somewhere in [start, end], to split the range


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone = draw(st.sampled_from(ZONES))
    base = datetime.combine(draw(st.sampled_from(BASES)), time(), tzinfo=UTC) - timedelta(hours=12)

    def at(slot: int) -> datetime:
        return base + slot * SLOT

    work_start, work_end = sorted(
        draw(st.lists(st.sampled_from(CLOCKS), min_size=2, max_size=2, unique=True))
    )
    start_slot = draw(st.integers(0, SLOTS - 1))
    end_slot = draw(st.integers(start_slot + 1, SLOTS))
    days_in_window = [base.date() + timedelta(days=i) for i in range(-1, 6)]
    return Scenario(
        schedule=WorkSchedule(
            ZoneInfo(zone),
            work_start,
            work_end,
            frozenset(draw(st.sets(st.integers(0, 6)))),
            frozenset(draw(st.sets(st.sampled_from(days_in_window), max_size=2))),
        ),
        changes=[
            OccupancyPoint(at(s), o)
            for s, o in draw(st.lists(st.tuples(st.integers(0, SLOTS), st.booleans()), max_size=30))
        ],
        status=[
            StatusPoint(at(s), o)
            for s, o in draw(st.lists(st.tuples(st.integers(0, SLOTS), st.booleans()), max_size=8))
        ],
        start=at(start_slot),
        end=at(end_slot),
        now=at(draw(st.integers(0, SLOTS + 10))),
        mid=at(draw(st.integers(start_slot, end_slot))),
    )


def compute(sc: Scenario, start: datetime, end: datetime) -> dict[date, Usage]:
    segments = build_timeline(
        sc.changes, offline_spells(sc.status), start=start, end=end, now=sc.now
    )
    return {
        d.day: d.usage for d in daily_usage(segments, sc.schedule, start=start, end=end, now=sc.now)
    }


def oracle_state(sc: Scenario, t: datetime) -> State:
    """The rules of docs/utilization.md, applied to one instant the slow way."""
    status = sorted(sc.status, key=lambda p: p.at)
    before = [p for p in status if p.at <= t]
    if before and not before[-1].online:
        return State.UNKNOWN
    spell_starts = [
        p.at for i, p in enumerate(before) if not p.online and (i == 0 or before[i - 1].online)
    ]
    changes = [c for c in sorted(sc.changes, key=lambda c: c.ts) if c.ts <= t]
    if not changes or (spell_starts and changes[-1].ts < spell_starts[-1]):
        return State.UNKNOWN
    return State.OCCUPIED if changes[-1].occupied else State.VACANT


def oracle(sc: Scenario) -> dict[date, Usage]:
    sched = sc.schedule
    sums: dict[date, dict[str, timedelta]] = defaultdict(lambda: defaultdict(timedelta))
    t = sc.start
    while t < sc.end:
        local = t.astimezone(sched.timezone)
        day = sums[local.date()]
        working = (
            local.weekday() in sched.weekdays
            and local.date() not in sched.holidays
            and sched.start <= local.time() < sched.end
        )
        state = oracle_state(sc, t) if t < sc.now else State.UNKNOWN
        day["working"] += SLOT if working else timedelta()
        day["future"] += SLOT if working and t >= sc.now else timedelta()
        day["known"] += SLOT if working and state is not State.UNKNOWN else timedelta()
        day["occupied"] += SLOT if working and state is State.OCCUPIED else timedelta()
        day["occupied_total"] += SLOT if state is State.OCCUPIED else timedelta()
        t += SLOT
    return {d: Usage(**values) for d, values in sums.items()}


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_agrees_with_the_slot_by_slot_oracle(sc: Scenario) -> None:
    fast, slow = compute(sc, sc.start, sc.end), oracle(sc)
    assert set(slow) <= set(fast)
    for day, usage in fast.items():
        assert usage == slow.get(day, Usage()), day


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_invariants_and_splitting_the_range(sc: Scenario) -> None:
    whole = compute(sc, sc.start, sc.end)
    for usage in whole.values():
        assert timedelta() <= usage.occupied <= usage.known <= usage.past_working <= usage.working
        assert usage.occupied <= usage.occupied_total
        assert usage.utilization is None or 0.0 <= usage.utilization <= 1.0
        assert (usage.utilization is None) == (usage.known == timedelta())
        assert usage.coverage is None or 0.0 <= usage.coverage <= 1.0
    left, right = compute(sc, sc.start, sc.mid), compute(sc, sc.mid, sc.end)
    for day in whole:
        assert whole[day] == left.get(day, Usage()) + right.get(day, Usage())
    assert total(whole.values()) == total(left.values()) + total(right.values())


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_timeline_covers_the_known_past_without_gaps(sc: Scenario) -> None:
    segments: list[Segment] = build_timeline(
        sc.changes, offline_spells(sc.status), start=sc.start, end=sc.end, now=sc.now
    )
    horizon = min(sc.end, sc.now)
    if horizon <= sc.start:
        assert segments == []
        return
    assert segments[0].start == sc.start and segments[-1].end == horizon
    for a, b in pairwise(segments):
        assert a.end == b.start and a.state is not b.state
    assert all(s.start < s.end for s in segments)
