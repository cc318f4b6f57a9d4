"""Compiling scenarios into timed level changes."""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from edge.scenario import load_scenario, parse_scenario
from edge.timeline import TimedChange, compile_timeline

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin, a Monday


def compile_text(text: str, start: datetime = START, limit: int = 1000) -> list[TimedChange]:
    scenario = parse_scenario(text, "s.yaml").scenario
    return list(itertools.islice(compile_timeline(scenario, BERLIN, start), limit))


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_anchor_start_counts_from_the_start() -> None:
    changes = compile_text(
        "name: x\nsteps:\n"
        "  - {at: 1m, sensor: radar, action: 'on'}\n"
        "  - {at: 5m, sensor: radar, action: 'off'}\n"
    )
    assert changes == [TimedChange(at(1), "radar", True), TimedChange(at(5), "radar", False)]


def test_pulses_repeat_until_and_have_a_width() -> None:
    changes = compile_text(
        "name: x\nsteps:\n"
        "  - {at: 0, sensor: pir, action: pulse, every: 30s, until: 90s, width: 3s}\n"
    )
    secs = [((c.at - START).total_seconds(), c.active) for c in changes]
    assert secs == [(0, True), (3, False), (30, True), (33, False), (60, True), (63, False)]


def test_jitter_is_bounded_and_repeatable() -> None:
    text = (
        "name: x\nseed: 3\nsteps:\n"
        "  - {at: 0, sensor: pir, action: pulse, every: 30s, until: 10m, jitter: 10s}\n"
    )
    first, again = compile_text(text), compile_text(text)
    assert first == again
    starts = [(c.at - START).total_seconds() for c in first if c.active]
    assert len(starts) == 20
    for n, start in enumerate(starts):
        assert 30 * n <= start < 30 * n + 10
    assert len({round(s % 30, 3) for s in starts}) > 1  # it does jitter
    other_seed = compile_text(text.replace("seed: 3", "seed: 4"))
    assert other_seed != first


def test_overlapping_pulses_and_latches_make_one_level() -> None:
    changes = compile_text(
        "name: x\nsteps:\n"
        "  - {at: 0, sensor: s, action: pulse, width: 10s}\n"
        "  - {at: 5s, sensor: s, action: pulse, width: 10s}\n"
        "  - {at: 12s, sensor: s, action: 'on'}\n"
        "  - {at: 20s, sensor: s, action: 'off'}\n"
    )
    secs = [((c.at - START).total_seconds(), c.active) for c in changes]
    assert secs == [(0, True), (20, False)]


def test_door_open_and_close_are_levels() -> None:
    changes = compile_text(
        "name: x\nsteps:\n"
        "  - {at: 0, sensor: door, action: close}\n"
        "  - {at: 1m, sensor: door, action: open}\n"
    )
    assert changes == [TimedChange(at(0), "door", True), TimedChange(at(1), "door", False)]


def test_local_midnight_uses_room_local_times_and_repeats_daily() -> None:
    changes = compile_text(
        "name: x\nanchor: local_midnight\nperiod: 24h\nsteps:\n"
        "  - {at: '09:30', sensor: radar, action: 'on'}\n"
        "  - {at: '10:00', sensor: radar, action: 'off'}\n",
        limit=4,
    )
    local = [(c.at.astimezone(BERLIN).strftime("%a %H:%M"), c.active) for c in changes]
    assert local == [
        ("Mon 09:30", True),
        ("Mon 10:00", False),
        ("Tue 09:30", True),
        ("Tue 10:00", False),
    ]


def test_local_times_stay_local_across_a_daylight_saving_change() -> None:
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Saturday; Berlin moves to CEST on Sunday
    changes = compile_text(
        "name: x\nanchor: local_midnight\nperiod: 24h\nsteps:\n"
        "  - {at: '09:30', sensor: radar, action: 'on'}\n"
        "  - {at: '09:31', sensor: radar, action: 'off'}\n",
        start=start,
        limit=4,
    )
    assert [c.at.astimezone(BERLIN).strftime("%a %H:%M") for c in changes] == [
        "Sun 09:30",
        "Sun 09:31",
        "Mon 09:30",
        "Mon 09:31",
    ]
    assert changes[0].at.utcoffset() == timedelta(hours=2)


def test_starting_mid_scenario_begins_with_the_levels_reached_by_then() -> None:
    start = datetime(2026, 3, 2, 9, 15, tzinfo=BERLIN)
    changes = compile_text(
        "name: x\nanchor: local_midnight\nsteps:\n"
        "  - {at: '00:00', sensor: door, action: close}\n"
        "  - {at: '09:00', sensor: radar, action: 'on'}\n"
        "  - {at: '09:05', sensor: door, action: open}\n"
        "  - {at: '09:45', sensor: radar, action: 'off'}\n",
        start=start,
    )
    assert changes == [
        TimedChange(start, "radar", True),
        TimedChange(datetime(2026, 3, 2, 9, 45, tzinfo=BERLIN), "radar", False),
    ]


def test_a_one_pass_scenario_ends() -> None:
    changes = compile_text("name: x\nsteps:\n  - {at: 0, sensor: s, action: pulse}\n")
    assert len(changes) == 2


def test_a_start_after_every_step_still_reports_the_levels() -> None:
    start = datetime(2026, 3, 2, 23, 0, tzinfo=BERLIN)
    changes = compile_text(
        "name: x\nanchor: local_midnight\nsteps:\n  - {at: '08:00', sensor: door, action: close}\n",
        start=start,
    )
    assert changes == [TimedChange(start, "door", True)]


def test_changes_are_in_time_order_across_periods() -> None:
    scenario = load_scenario("meeting_room_day").scenario
    changes = list(itertools.islice(compile_timeline(scenario, BERLIN, START), 2000))
    times = [c.at for c in changes]
    assert times == sorted(times)
    assert times[-1] - times[0] > timedelta(days=1)  # it goes on into the next day


@pytest.mark.parametrize(
    "name", ["meeting_room_day", "huddle_room_day", "boardroom_day", "desk_cluster_day"]
)
def test_shipped_scenarios_alternate_levels_per_sensor(name: str) -> None:
    scenario = load_scenario(name).scenario
    changes = list(itertools.islice(compile_timeline(scenario, BERLIN, START), 3000))
    levels: dict[str, bool] = {}
    for change in changes:
        assert levels.get(change.sensor_id, False) != change.active, change
        levels[change.sensor_id] = change.active
