"""The accelerated clock, driven by a fake real clock: exact numbers, no sleeping."""

from datetime import UTC, datetime, timedelta

import pytest

from common.clock import FakeClock
from edge.simclock import (
    SimulatedClock,
    monotonic_at,
    parse_start,
    real_seconds_until,
    wall_time_at,
)

REAL_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def clock_from(start: datetime, speed: float) -> tuple[SimulatedClock, FakeClock]:
    real = FakeClock(REAL_NOW)
    return SimulatedClock(start, speed, real), real


def test_it_starts_at_the_start_time_and_runs_speed_times_faster() -> None:
    clock, real = clock_from(REAL_NOW - timedelta(hours=2), speed=600)
    mono0 = clock.monotonic()
    assert clock.now() == REAL_NOW - timedelta(hours=2)
    real.advance(6)
    assert clock.now() == REAL_NOW - timedelta(hours=2) + timedelta(seconds=3600)
    assert clock.monotonic() == pytest.approx(mono0 + 3600)
    assert not clock.caught_up


def test_it_catches_up_with_real_time_and_then_runs_at_1x() -> None:
    clock, real = clock_from(REAL_NOW - timedelta(hours=2), speed=601)
    # 7200 s of lag shrink by 600 s per real second: caught up after 12 real seconds.
    real.advance(12)
    assert clock.now() == real.now()
    assert clock.caught_up
    real.advance(100)
    assert clock.now() == real.now()
    real.advance(0.5)
    assert clock.now() == real.now()


def test_it_never_runs_ahead_of_real_time() -> None:
    clock, real = clock_from(REAL_NOW - timedelta(minutes=10), speed=10_000)
    for _ in range(50):
        real.advance(0.37)
        assert clock.now() <= real.now()


def test_monotonic_advances_like_the_wall_clock() -> None:
    clock, real = clock_from(REAL_NOW - timedelta(hours=1), speed=101)
    wall0, mono0 = clock.now(), clock.monotonic()
    for step in (0.5, 10, 30, 100):
        real.advance(step)
        elapsed = (clock.now() - wall0).total_seconds()
        assert clock.monotonic() - mono0 == pytest.approx(elapsed)


def test_real_seconds_until_divides_by_speed_before_catching_up() -> None:
    clock, _ = clock_from(REAL_NOW - timedelta(hours=2), speed=601)
    target = clock.monotonic() + 600  # 10 virtual minutes
    assert clock.real_seconds_until(target) == pytest.approx(600 / 601)
    assert real_seconds_until(clock, target) == pytest.approx(600 / 601)


def test_real_seconds_until_counts_1x_after_the_catch_up_point() -> None:
    clock, real = clock_from(REAL_NOW - timedelta(hours=2), speed=601)
    mono0 = clock.monotonic()
    # Caught up after 12 real s = 7212 virtual s; 100 virtual s later is 100 real s later.
    assert clock.real_seconds_until(mono0 + 7212 + 100) == pytest.approx(112)
    real.advance(112)
    assert clock.monotonic() == pytest.approx(mono0 + 7312)
    assert clock.real_seconds_until(mono0 + 7312) == 0.0


def test_real_seconds_until_is_zero_for_the_past() -> None:
    clock, _ = clock_from(REAL_NOW, speed=5)
    assert clock.real_seconds_until(clock.monotonic() - 10) == 0.0


def test_starting_now_is_just_the_real_clock() -> None:
    clock, real = clock_from(REAL_NOW, speed=600)
    real.advance(5)
    assert clock.now() == real.now()


def test_speed_1_stays_behind_by_the_same_amount() -> None:
    clock, real = clock_from(REAL_NOW - timedelta(minutes=5), speed=1)
    real.advance(1000)
    assert real.now() - clock.now() == timedelta(minutes=5)


def test_bad_arguments_are_refused() -> None:
    real = FakeClock(REAL_NOW)
    with pytest.raises(ValueError, match="future"):
        SimulatedClock(REAL_NOW + timedelta(seconds=1), 10, real)
    with pytest.raises(ValueError, match="speed"):
        SimulatedClock(REAL_NOW, 0.5, real)
    with pytest.raises(ValueError, match="offset"):
        SimulatedClock(datetime(2026, 1, 1), 10, real)


def test_real_seconds_until_for_a_plain_clock_is_the_difference() -> None:
    plain = FakeClock(REAL_NOW)
    assert real_seconds_until(plain, plain.monotonic() + 7.5) == 7.5
    assert real_seconds_until(plain, plain.monotonic() - 1) == 0.0


def test_wall_time_at_maps_a_monotonic_reading_to_the_wall() -> None:
    plain = FakeClock(REAL_NOW)
    mono = plain.monotonic()
    plain.advance(30)
    assert wall_time_at(plain, mono) == REAL_NOW


# -- --start ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-2h", REAL_NOW - timedelta(hours=2)),
        ("-1d", REAL_NOW - timedelta(days=1)),
        ("-1h30m", REAL_NOW - timedelta(minutes=90)),
        ("now", REAL_NOW),
        ("2026-03-02T08:00:00+01:00", datetime(2026, 3, 2, 7, 0, tzinfo=UTC)),
        ("2026-03-02T07:00:00Z", datetime(2026, 3, 2, 7, 0, tzinfo=UTC)),
    ],
)
def test_parse_start_accepts(text: str, expected: datetime) -> None:
    assert parse_start(text, REAL_NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-02T08:00:00", "no UTC offset"),
        ("2026-03-03T08:00:00+00:00", "future"),
        ("-2 weeks", "negative duration"),
        ("yesterday", "ISO-8601"),
    ],
)
def test_parse_start_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_start(text, REAL_NOW)


def test_wall_and_monotonic_map_exactly_on_a_simulated_clock() -> None:
    clock, real = clock_from(REAL_NOW - timedelta(hours=1), speed=50)
    real.advance(3)
    mono = clock.monotonic()
    assert wall_time_at(clock, mono) == clock.now()
    assert wall_time_at(clock, mono - 90) == clock.now() - timedelta(seconds=90)
    assert monotonic_at(clock, clock.now() + timedelta(seconds=42)) == pytest.approx(mono + 42)
    plain = FakeClock(REAL_NOW)
    assert monotonic_at(plain, REAL_NOW + timedelta(seconds=5)) == plain.monotonic() + 5
