"""The door line-crossing counter on real gpiozero devices over MockFactory pins."""

from collections.abc import Iterator
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from gpiozero.pins.mock import MockFactory

from common.clock import FakeClock
from contract.terminal_config import SensorKind, SensorSection
from edge.counting.crossings import CrossingDecoder
from edge.counting.door_beams import DoorBeamCounter, DoorBeams
from edge.counting.door_beams_sim import BeamEdge, DoorWalker, flicker, turn_back, walk
from edge.sensors import SensorSetupError, drive_mock_pin

SENSOR = SensorSection(id="door-count", kind=SensorKind.DOOR_BEAMS, pin_a="GPIO23", pin_b="GPIO24")


@pytest.fixture
def factory() -> Iterator[MockFactory]:
    pins = MockFactory()
    yield pins
    pins.close()


class Door:
    def __init__(self, factory: MockFactory, clock: FakeClock, **kwargs: object) -> None:
        self.clock = clock
        self.counter = DoorBeamCounter("door-count", clock, **kwargs)  # type: ignore[arg-type]
        self.beams = DoorBeams(SENSOR, factory, self.counter)
        self.walker = DoorWalker(self.beams, clock.advance)

    def play(self, *passages: list[BeamEdge]) -> int:
        for edges in passages:
            self.walker.play(edges)
        return self.counter.read().count


@pytest.fixture
def door(factory: MockFactory) -> Iterator[Door]:
    d = Door(factory, FakeClock())
    yield d
    d.beams.close()


def test_beams_are_pulled_up_and_broken_means_low(door: Door) -> None:
    pin = door.beams.devices["a"].pin
    assert door.beams.active_low and pin.state == 1  # intact beam: the receiver lets go
    pin.drive_low()
    assert door.beams.devices["a"].is_active


def test_a_then_b_is_in_and_b_then_a_is_out(door: Door) -> None:
    assert door.play(walk("in")) == 1
    assert door.play(walk("in"), walk("in")) == 3
    assert door.play(walk("out")) == 2
    assert (door.counter.ins, door.counter.outs, door.counter.turned_back) == (3, 1, 0)


def test_the_count_waits_until_the_passage_has_settled(door: Door) -> None:
    for edge in walk("in"):
        door.clock.advance(0.1)
        drive_mock_pin(door.beams.devices[edge.beam].pin, edge.broken, active_low=True)
    assert door.counter.read().count == 0  # both clear for less than settle_s: maybe a tailgater
    door.clock.advance(0.5)
    assert door.counter.read().count == 1


def test_stepping_into_the_doorway_and_back_changes_nothing(door: Door) -> None:
    assert door.play(turn_back("a")) == 0
    assert door.play(turn_back("a", reach_other=True)) == 0  # reached B, went back out
    assert door.play(walk("in"), turn_back("b", reach_other=True)) == 1  # inside, peeked out
    assert door.counter.turned_back == 3


def test_tailgating_with_a_gap_counts_everyone(door: Door) -> None:
    # Two people 0.7 s apart: one passage (the beams never clear for settle_s) of two pairs.
    assert door.play(walk("in") + walk("in", start_s=0.7)) == 2
    assert door.play(walk("out") + walk("out", start_s=0.7) + walk("out", start_s=1.4)) == 0


def test_a_tailgater_who_turns_back_is_not_counted(door: Door) -> None:
    assert door.play(walk("in") + turn_back("a", start_s=0.7)) == 1
    # Unequal breaks: a doubtful passage, counted once as an anomaly.
    assert door.counter.read().confidence == pytest.approx(0.99 * 0.7)


def test_a_blocked_beam_makes_the_count_untrusted(door: Door) -> None:
    assert door.play(walk("in")) == 1
    drive_mock_pin(door.beams.devices["b"].pin, True, active_low=True)  # a box in the doorway
    door.clock.advance(29)
    assert door.counter.read().confidence > 0.9
    door.clock.advance(1)
    assert door.counter.read().confidence == 0.0
    drive_mock_pin(door.beams.devices["b"].pin, False, active_low=True)
    door.clock.advance(1)
    reading = door.counter.read()
    assert reading.count == 1 and reading.confidence > 0  # a long lone B break: turned back
    assert door.counter.turned_back == 1


def test_a_leg_letting_the_beam_through_is_one_person(door: Door) -> None:
    assert door.play(flicker(walk("in"), "a", at_s=0.2)) == 1


def test_two_people_pressed_together_count_as_one(door: Door) -> None:
    # The documented limit of two beams: no gap on either beam, one body as far as they know.
    assert door.play(walk("in") + walk("in", start_s=0.3)) == 1


def test_outs_never_go_below_zero_and_cost_confidence(door: Door) -> None:
    assert door.play(walk("out")) == 0
    reading = door.counter.read()
    assert reading.count == 0 and reading.confidence <= 0.7


def test_confidence_falls_with_crossings_and_a_reset_restores_it(door: Door) -> None:
    first = door.counter.read().confidence
    for _ in range(10):
        door.play(walk("in"), walk("out"))
    later = door.counter.read()
    assert first == 1.0 and later.count == 0 and later.confidence == pytest.approx(0.99**20)
    door.counter.reset()
    assert door.counter.read().confidence == 1.0


def test_the_count_is_reset_at_the_quiet_hour(factory: MockFactory) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 16, 0, tzinfo=UTC))  # 17:00 in Berlin
    door = Door(factory, clock, reset_at=time(3, 0), timezone=ZoneInfo("Europe/Berlin"))
    try:
        assert door.play(walk("in"), walk("in")) == 2
        clock.advance(9 * 3600)  # 02:00 local: not yet
        assert door.counter.read().count == 2
        clock.advance(3600)  # 03:00 local
        assert door.counter.read().count == 0
        assert door.play(walk("in")) == 1
        clock.advance(3600)
        assert door.counter.read().count == 1  # once a day, not every read after 03:00
    finally:
        door.beams.close()


def test_a_beam_broken_at_start_up_does_not_confuse_the_count(factory: MockFactory) -> None:
    factory.pin(24).drive_low()  # beam B blocked (a box in the doorway) before the start
    clock = FakeClock()
    door = Door(factory, clock)
    try:
        door.walker.play(
            [BeamEdge(0.0, "a", True), BeamEdge(0.3, "b", False), BeamEdge(0.4, "a", False)]
        )
        assert door.counter.read().count == 0
        assert door.play(walk("in")) == 1
    finally:
        door.beams.close()


def test_a_pin_that_cannot_be_opened_names_the_sensor_and_beam(factory: MockFactory) -> None:
    clock = FakeClock()
    taken = DoorBeams(SENSOR, factory, DoorBeamCounter("first", clock))
    try:
        with pytest.raises(SensorSetupError, match="'door-count' beam a on GPIO23"):
            DoorBeams(SENSOR, factory, DoorBeamCounter("second", clock))
    finally:
        taken.close()


def test_the_decoder_alone_on_plain_numbers() -> None:
    decoder = CrossingDecoder(merge_gap_s=0.15, settle_s=0.5)
    edges = [("a", True, 0.0), ("b", True, 0.1), ("a", False, 0.4), ("b", False, 0.5)]
    assert all(decoder.edge(b, s, t) == [] for b, s, t in edges)  # type: ignore[arg-type]
    assert decoder.flush(0.9) == []
    [crossing] = decoder.flush(1.0)
    assert (crossing.direction, crossing.at_monotonic, crossing.doubtful) == ("in", 0.5, False)
