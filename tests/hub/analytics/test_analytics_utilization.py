"""Hand-computed utilization scenarios from issue 2 (pure logic, no database)."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.analytics.schedule import WorkSchedule
from hub.analytics.timeline import OccupancyPoint, StatusPoint, build_timeline, offline_spells
from hub.analytics.utilization import DayUsage, Usage, daily_usage, total

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
EVERY_DAY = [*WEEKDAYS, "sat", "sun"]


def local(day: date, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """A Berlin wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hh, mm, ss), tzinfo=BERLIN).astimezone(UTC)


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def schedule(
    start: str = "09:00",
    end: str = "17:00",
    days: list[str] = WEEKDAYS,
    holidays: tuple[date, ...] = (),
) -> WorkSchedule:
    return WorkSchedule.from_names(
        "Europe/Berlin", time.fromisoformat(start), time.fromisoformat(end), days, holidays
    )


def usage_by_day(
    changes: list[tuple[datetime, bool]],
    sched: WorkSchedule,
    start: datetime,
    end: datetime,
    now: datetime,
    status: Sequence[tuple[datetime, bool]] = (),
) -> dict[date, DayUsage]:
    points = [OccupancyPoint(ts, occupied) for ts, occupied in changes]
    spells = offline_spells(StatusPoint(at, online) for at, online in status)
    segments = build_timeline(points, spells, start=start, end=end, now=now)
    return {d.day: d for d in daily_usage(segments, sched, start=start, end=end, now=now)}


MON = date(2025, 6, 2)  # an ordinary Monday, Berlin on summer time


def test_occupied_10_00_to_11_30_within_09_00_to_17_00_is_18_75_percent() -> None:
    changes = [(local(MON), False), (local(MON, 10), True), (local(MON, 11, 30), False)]
    days = usage_by_day(
        changes, schedule(), local(MON), local(MON + timedelta(1)), now=local(MON + timedelta(3))
    )
    assert days[MON].usage == Usage(
        working=h(8), known=h(8), occupied=h(1.5), occupied_total=h(1.5)
    )
    assert days[MON].usage.utilization == 0.1875
    assert days[MON].usage.coverage == 1.0


def test_an_interval_across_midnight_is_split_between_the_two_days() -> None:
    tue, wed = MON + timedelta(1), MON + timedelta(2)
    changes = [(local(MON), False), (local(MON, 22), True), (local(tue, 2), False)]
    # Working hours 01:00-23:00 so that both halves touch working time.
    days = usage_by_day(changes, schedule("01:00", "23:00"), local(MON), local(wed), now=local(wed))
    assert days[MON].usage.occupied == h(1)  # 22:00-23:00
    assert days[MON].usage.occupied_total == h(2)  # 22:00-24:00
    assert days[tue].usage.occupied == h(1)  # 01:00-02:00
    assert days[tue].usage.occupied_total == h(2)  # 00:00-02:00
    assert days[MON].usage.utilization == 1 / 22
    # With ordinary 09:00-17:00 hours the night counts only in the all-day total.
    days = usage_by_day(changes, schedule(), local(MON), local(wed), now=local(wed))
    assert [days[d].usage.occupied for d in (MON, tue)] == [h(0), h(0)]
    assert [days[d].usage.occupied_total for d in (MON, tue)] == [h(2), h(2)]


SPRING = date(2025, 3, 30)  # Berlin: 02:00 CET -> 03:00 CEST, a 23-hour day
AUTUMN = date(2025, 10, 26)  # Berlin: 03:00 CEST -> 02:00 CET, a 25-hour day


def test_spring_forward_day_has_23_hours_and_8_working_hours_stay_8() -> None:
    sat, mon = SPRING - timedelta(1), SPRING + timedelta(1)
    changes = [(local(sat), False), (local(SPRING), True), (local(mon), False)]
    days = usage_by_day(
        changes,
        schedule("08:00", "16:00", EVERY_DAY),
        local(sat),
        local(mon + timedelta(1)),
        now=local(mon + timedelta(1)),
    )
    assert days[SPRING].usage.occupied_total == h(23)
    assert [days[d].usage.working for d in (sat, SPRING, mon)] == [h(8)] * 3
    assert days[SPRING].usage.utilization == 1.0
    assert days[mon].usage.utilization == 0.0


def test_working_hours_and_an_occupied_interval_spanning_the_spring_change() -> None:
    # Working 01:00-05:00 local is 3 real hours on the change day; occupied 01:30-03:30
    # local is 1 real hour.
    changes = [(local(SPRING), False), (local(SPRING, 1, 30), True), (local(SPRING, 3, 30), False)]
    next_day = SPRING + timedelta(1)
    days = usage_by_day(
        changes,
        schedule("01:00", "05:00", EVERY_DAY),
        local(SPRING),
        local(next_day),
        now=local(next_day),
    )
    assert days[SPRING].usage == Usage(working=h(3), known=h(3), occupied=h(1), occupied_total=h(1))
    assert days[SPRING].usage.utilization == 1 / 3


def test_fall_back_day_has_25_hours_and_the_repeated_hour_counts_twice() -> None:
    # 02:30 happens twice: 00:30 UTC (CEST) and 01:30 UTC (CET). Occupied between them.
    first_0230 = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    second_0230 = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    assert first_0230.astimezone(BERLIN).hour == second_0230.astimezone(BERLIN).hour == 2
    next_day = AUTUMN + timedelta(1)
    changes = [(local(AUTUMN), False), (first_0230, True), (second_0230, False)]
    days = usage_by_day(
        changes,
        schedule("01:00", "05:00", EVERY_DAY),
        local(AUTUMN),
        local(next_day),
        now=local(next_day),
    )
    assert days[AUTUMN].usage == Usage(working=h(5), known=h(5), occupied=h(1), occupied_total=h(1))
    # Occupied all day long: 25 hours.
    days = usage_by_day(
        [(local(AUTUMN), True)],
        schedule(days=EVERY_DAY),
        local(AUTUMN),
        local(next_day),
        now=local(next_day),
    )
    assert days[AUTUMN].usage.occupied_total == h(25)
    assert days[AUTUMN].usage.working == h(8)


def test_weekdays_around_a_dst_weekend_keep_their_working_hours() -> None:
    fri, mon = SPRING - timedelta(2), SPRING + timedelta(1)
    days = usage_by_day(
        [(local(fri), False)],
        schedule(),
        local(fri),
        local(mon + timedelta(1)),
        now=local(mon + timedelta(1)),
    )
    assert [days[d].usage.working for d in sorted(days)] == [h(8), h(0), h(0), h(8)]


def test_a_holiday_is_skipped_entirely() -> None:
    whit_monday = date(2025, 6, 9)
    changes = [
        (local(whit_monday), False),
        (local(whit_monday, 10), True),
        (local(whit_monday, 11), False),
    ]
    days = usage_by_day(
        changes,
        schedule(holidays=(whit_monday,)),
        local(whit_monday),
        local(whit_monday + timedelta(1)),
        now=local(whit_monday + timedelta(1)),
    )
    day = days[whit_monday]
    assert (day.holiday, day.working_day) == (True, False)
    assert day.usage == Usage(occupied_total=h(1))  # still visible as use outside working hours
    assert day.usage.utilization is None


def test_weekends_are_not_working_days() -> None:
    sat = date(2025, 6, 7)
    changes = [(local(sat), False), (local(sat, 10), True), (local(sat, 12), False)]
    days = usage_by_day(
        changes, schedule(), local(sat), local(sat + timedelta(2)), now=local(sat + timedelta(3))
    )
    for day in days.values():
        assert (day.working_day, day.holiday, day.usage.working) == (False, False, h(0))
        assert day.usage.utilization is None
    assert days[sat].usage.occupied_total == h(2)


def test_an_open_interval_counts_up_to_now() -> None:
    changes = [(local(MON, 8), False), (local(MON, 10), True)]
    days = usage_by_day(
        changes, schedule(), local(MON), local(MON + timedelta(1)), now=local(MON, 12)
    )
    assert days[MON].usage == Usage(
        working=h(8), future=h(5), known=h(3), occupied=h(2), occupied_total=h(2)
    )
    assert days[MON].usage.utilization == 2 / 3
    assert days[MON].usage.coverage == 1.0


def test_days_with_no_data_have_no_utilization_not_zero() -> None:
    tue = MON + timedelta(1)
    days = usage_by_day([], schedule(), local(MON), local(tue + timedelta(1)), now=local(MON, 12))
    assert days[MON].usage == Usage(working=h(8), future=h(5))
    assert days[MON].usage.utilization is None
    assert days[MON].usage.coverage == 0.0
    # Entirely in the future: no data and no coverage figure either.
    assert days[tue].usage == Usage(working=h(8), future=h(8))
    assert (days[tue].usage.utilization, days[tue].usage.coverage) == (None, None)


def test_an_offline_spell_in_the_working_day_is_excluded_from_known_hours() -> None:
    changes = [
        (local(MON, 8), False),
        (local(MON, 10), True),
        (local(MON, 11), False),
        (local(MON, 13, 0, 5), False),
    ]  # the initial state after the restart
    status = [(local(MON, 7), True), (local(MON, 12), False), (local(MON, 13), True)]
    days = usage_by_day(
        changes,
        schedule(),
        local(MON),
        local(MON + timedelta(1)),
        now=local(MON + timedelta(1)),
        status=status,
    )
    known = h(8) - h(1) - timedelta(seconds=5)  # 12:00-13:00:05 is unknown
    assert days[MON].usage == Usage(working=h(8), known=known, occupied=h(1), occupied_total=h(1))
    assert days[MON].usage.utilization == 3600 / known.total_seconds()


def test_a_range_boundary_cuts_days() -> None:
    wed = MON + timedelta(2)
    days = usage_by_day(
        [(local(MON), False)],
        schedule(),
        local(MON, 12),
        local(wed, 10),
        now=local(wed + timedelta(1)),
    )
    assert [days[d].usage.working for d in sorted(days)] == [h(5), h(8), h(1)]
    assert total(d.usage for d in days.values()).working == h(14)


def test_aggregation_is_time_weighted_and_ignores_spaces_without_data() -> None:
    used = Usage(working=h(8), known=h(8), occupied=h(1.5), occupied_total=h(1.5))
    no_data = Usage(working=h(8))
    empty = Usage(working=h(8), known=h(8))
    assert total([used, no_data]).utilization == 0.1875
    assert total([used, empty]).utilization == 1.5 / 16
    assert total([used, no_data]).coverage == 0.5
    assert total([]).utilization is None


def test_schedule_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="unknown weekday 'monday'"):
        WorkSchedule.from_names("Europe/Berlin", time(9), time(17), ["monday"])
    with pytest.raises(ValueError, match="must be later than start"):
        WorkSchedule.from_names("Europe/Berlin", time(17), time(9), ["mon"])
