"""Reading people counters for fusion: the poller's schedule and hand-over, and opening the
configured counters (door beams on MockFactory pins, as on a Pi)."""

import logging
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from gpiozero.pins.mock import MockFactory

from common.clock import FakeClock
from contract.terminal_config import SensorKind, SensorSection
from edge.counter_poller import CounterPoller
from edge.counting.base import CounterStats, CountReading
from edge.counting.door_beams_sim import DoorWalker, walk
from edge.counting.hardware import BeamsCounter, open_counters


class Scripted:
    """A counter whose next reading the test sets; counts its reads."""

    kind = SensorKind.MMWAVE_TARGETS

    def __init__(self, sensor_id: str = "radar-count") -> None:
        self.sensor_id = sensor_id
        self.reading: CountReading | None = None
        self.reads = 0
        self.fail = False
        self.closed = False

    @property
    def stats(self) -> CounterStats:
        return CounterStats()

    def read(self) -> CountReading | None:
        self.reads += 1
        if self.fail:
            raise OSError("unplugged")
        return self.reading

    def close(self) -> None:
        self.closed = True

    def set(self, count: int, at: float, confidence: float = 0.9) -> None:
        self.reading = CountReading(self.sensor_id, self.kind, count, confidence, at, 3)


def test_counters_are_read_once_a_second_and_a_reading_handed_on_once() -> None:
    counter = Scripted()
    poller = CounterPoller([counter], start=10.0)
    assert poller.next_due() == 10.0
    assert poller.poll(10.0) == []  # nothing read yet: no evidence
    counter.set(3, at=10.5)
    assert poller.poll(10.5) == []  # not due before 11
    [signal] = poller.poll(11.0)
    assert (signal.kind, signal.source, signal.value, signal.at, signal.at_least) == (
        "count",
        "radar-count",
        3.0,
        10.5,
        True,  # an LD2450's 3 is "3 or more"
    )
    assert poller.poll(12.0) == []  # the same reading again: already handed on
    assert counter.reads == 3
    poller.poll(100.0)  # after a stall: one read, and the schedule moves on from now
    assert counter.reads == 4 and poller.next_due() == 101.0


def test_a_failing_counter_is_logged_once_and_the_others_still_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken, working = Scripted("broken"), Scripted("thermal")
    poller = CounterPoller([broken, working], start=0.0)
    broken.fail = True
    with caplog.at_level(logging.ERROR):
        for t in range(3):
            working.set(t, at=float(t))
            assert [s.source for s in poller.poll(float(t))] == ["thermal"]
    assert len([r for r in caplog.records if "broken" in r.getMessage()]) == 1
    poller.close()
    assert broken.closed and working.closed


def test_without_counters_there_is_nothing_to_wake_for() -> None:
    assert CounterPoller([], start=0.0).next_due() is None


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.close()


def test_configured_counters_are_opened_and_a_missing_port_is_left_out(
    factory: MockFactory, caplog: pytest.LogCaptureFixture
) -> None:
    sensors = [
        SensorSection(id="pir", kind=SensorKind.PIR_MOTION, pin="GPIO17"),
        SensorSection(id="radar-count", kind=SensorKind.MMWAVE_TARGETS, port="/dev/no-such-tty"),
        SensorSection(id="door-count", kind=SensorKind.DOOR_BEAMS, pin_a="GPIO23", pin_b="GPIO24"),
    ]
    clock = FakeClock()
    with caplog.at_level(logging.ERROR):
        counters = open_counters(sensors, factory, clock, ZoneInfo("Europe/Berlin"))
    assert [c.sensor_id for c in counters] == ["door-count"]
    assert "radar-count (mmwave_targets) is left out" in caplog.text
    [beams] = counters
    assert isinstance(beams, BeamsCounter)
    # Someone walks in through the real gpiozero inputs: the poller hands on a count of 1.
    DoorWalker(beams.beams, clock.advance).play(walk("in"))
    [signal] = CounterPoller(counters, start=clock.monotonic()).poll(clock.monotonic())
    assert (signal.source, signal.value) == ("door-count", 1.0)
    beams.close()
    assert beams.beams.devices == {}
