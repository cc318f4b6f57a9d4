"""The occupancy timeline: unknown before data, during and after outages, open up to now."""

from datetime import UTC, datetime, timedelta

import pytest

from hub.analytics.timeline import (
    Interval,
    OccupancyPoint,
    Segment,
    State,
    StatusPoint,
    build_timeline,
    offline_spells,
)

OCC, V, U = State.OCCUPIED, State.VACANT, State.UNKNOWN
DAY = datetime(2025, 6, 2, tzinfo=UTC)


def t(hhmm: str, day: int = 0) -> datetime:
    hours, minutes = hhmm.split(":")
    return DAY + timedelta(days=day, hours=int(hours), minutes=int(minutes))


def seg(a: str, b: str, state: State) -> Segment:
    return Segment(t(a), t(b), state)


def occ(hhmm: str, occupied: bool) -> OccupancyPoint:
    return OccupancyPoint(t(hhmm), occupied)


def timeline(
    changes: list[OccupancyPoint],
    offline: list[Interval] | None = None,
    start: str = "00:00",
    end: str = "23:00",
    now: str = "23:00",
) -> list[Segment]:
    return build_timeline(changes, offline or [], start=t(start), end=t(end), now=t(now))


def test_unknown_before_the_first_change_then_the_last_state_runs_on() -> None:
    assert timeline([occ("09:00", False), occ("10:00", True), occ("11:30", False)]) == [
        seg("00:00", "09:00", U),
        seg("09:00", "10:00", V),
        seg("10:00", "11:30", OCC),
        seg("11:30", "23:00", V),
    ]


def test_no_changes_at_all_is_unknown_not_vacant() -> None:
    assert timeline([]) == [seg("00:00", "23:00", U)]


def test_unordered_input_and_repeated_states_give_the_same_timeline() -> None:
    ordered = [occ("09:00", False), occ("10:00", True), occ("11:30", False)]
    messy = [
        occ("11:30", False),
        occ("10:00", True),
        occ("10:20", True),
        occ("09:00", False),
        occ("12:00", False),
    ]
    assert timeline(messy) == timeline(ordered)


def test_changes_at_the_same_instant_apply_in_the_given_order() -> None:
    assert timeline([occ("10:00", True), occ("10:00", False)])[-1] == seg("10:00", "23:00", V)


def test_the_state_at_start_is_the_last_change_before_it() -> None:
    result = timeline([occ("01:00", True), occ("02:00", False), occ("05:00", True)], start="03:00")
    assert result == [seg("03:00", "05:00", V), seg("05:00", "23:00", OCC)]


def test_open_interval_ends_at_now_and_nothing_is_known_after_it() -> None:
    assert timeline([occ("10:00", True)], end="23:00", now="12:15") == [
        seg("00:00", "10:00", U),
        seg("10:00", "12:15", OCC),
    ]


def test_changes_after_now_are_ignored() -> None:
    assert timeline([occ("10:00", True), occ("13:00", False)], now="12:00")[-1] == seg(
        "10:00", "12:00", OCC
    )


def test_range_entirely_after_now_is_empty() -> None:
    assert timeline([occ("10:00", True)], start="13:00", now="12:00") == []


def test_offline_spell_is_unknown_and_stays_unknown_until_the_next_change() -> None:
    changes = [occ("08:00", False), occ("10:00", True), occ("14:05", False)]
    spells = [Interval(t("12:00"), t("14:00"))]
    assert timeline(changes, spells) == [
        seg("00:00", "08:00", U),
        seg("08:00", "10:00", V),
        seg("10:00", "12:00", OCC),
        seg("12:00", "14:05", U),  # back online at 14:00, but no state until 14:05
        seg("14:05", "23:00", V),
    ]


def test_a_change_spooled_during_the_spell_sets_the_state_from_the_spell_end() -> None:
    changes = [occ("08:00", True), occ("13:00", False)]
    assert timeline(changes, [Interval(t("12:00"), t("14:00"))]) == [
        seg("00:00", "08:00", U),
        seg("08:00", "12:00", OCC),
        seg("12:00", "14:00", U),
        seg("14:00", "23:00", V),
    ]


def test_a_change_stamped_at_the_spell_start_counts_as_reported_in_the_spell() -> None:
    result = timeline([occ("12:00", True)], [Interval(t("12:00"), t("13:00"))])
    assert result[-1] == seg("13:00", "23:00", OCC)


def test_an_open_spell_makes_everything_after_it_unknown() -> None:
    changes = [occ("08:00", True), occ("15:00", False)]
    assert timeline(changes, [Interval(t("12:00"), None)]) == [
        seg("00:00", "08:00", U),
        seg("08:00", "12:00", OCC),
        seg("12:00", "23:00", U),
    ]


def test_an_outage_before_start_forgets_the_state_at_start() -> None:
    changes = [occ("01:00", True), occ("06:00", False)]
    result = timeline(changes, [Interval(t("02:00"), t("03:00"))], start="04:00")
    assert result == [seg("04:00", "06:00", U), seg("06:00", "23:00", V)]


def test_overlapping_and_touching_spells_of_two_terminals() -> None:
    changes = [occ("08:00", True), occ("10:30", True)]
    spells = [
        Interval(t("09:00"), t("10:00")),
        Interval(t("10:00"), t("11:00")),
        Interval(t("09:30"), t("09:45")),
    ]
    assert timeline(changes, spells) == [
        seg("00:00", "08:00", U),
        seg("08:00", "09:00", OCC),
        seg("09:00", "11:00", U),
        seg("11:00", "23:00", OCC),  # the 10:30 change came after the last spell began
    ]


def test_offline_spells_from_status_transitions() -> None:
    points = [
        StatusPoint(t("10:00"), True),
        StatusPoint(t("12:00"), False),
        StatusPoint(t("12:30"), False),  # repeated: the spell still began at 12:00
        StatusPoint(t("13:00"), True),
        StatusPoint(t("13:10"), True),
        StatusPoint(t("18:00"), False),
    ]
    assert offline_spells(reversed(points)) == [
        Interval(t("12:00"), t("13:00")),
        Interval(t("18:00"), None),
    ]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_timeline([], [], start=datetime(2025, 6, 2), end=t("10:00"), now=t("10:00"))
