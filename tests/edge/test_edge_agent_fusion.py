"""Occupancy fusion on the terminal: a labelled session played through the real agent path (pins,
the counter interface, the speech flag), checked against the estimator fed the same signals;
and the engine's reporting rules with a scripted estimator."""

import queue
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from gpiozero.pins.mock import MockFactory

from common.clock import FakeClock
from contract.messages import HeartbeatData, Message, OccupancyData, SpeechActivityData, decode
from contract.terminal_config import TerminalConfig
from edge.agent import Agent
from edge.counter_poller import CounterPoller
from edge.fusion.engine import FusionEstimator
from edge.fusion.sessions import Played, parse_session, play, terminal_config
from edge.fusion.settings import FusionSettings
from edge.fusion.signals import Estimate, Signal
from edge.fusion_occupancy import (
    BAND_HOLD_S,
    REASONS_EVERY_S,
    REASONS_HOLD_S,
    FusionOccupancy,
)
from edge.occupancy_engine import build_engine
from edge.publisher import Identity, MessageBuilder, Publisher, Sequencer
from edge.sensors import SensorBank, SensorEvent
from edge.session_player import build_session_player, session_counters

SESSION = """\
name: short_meeting
description: one reader, two more who talk, the door closed, then everyone leaves
duration: 12m
room:
  sensors: [pir, presence, door, speech, co2, ld2450]
timeline:
  - {at: 1m, enter: 1, activity: reading, door: close}
  - {at: 3m, enter: 2, activity: talking}
  - {at: 5m, door: close}
  - {at: 8m, leave: 2, door: open}
  - {at: 9m, leave: all}
"""
STEP = 5.0
AFTER_S = 120  # keep running after the session: the room must be released


@dataclass
class Receipt:
    def wait_for_publish(self, timeout: float | None = None) -> None:
        return None

    def is_published(self) -> bool:
        return True


@dataclass
class RecordingSink:
    sent: list[tuple[str, bytes]] = field(default_factory=list)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Receipt:
        self.sent.append((topic, payload))
        return Receipt()

    def decoded(self) -> list[Message]:
        return [decode(topic, payload) for topic, payload in self.sent]


@dataclass
class SessionRun:
    played: Played
    config: TerminalConfig
    clock: FakeClock
    start: float
    start_wall: datetime
    messages: list[Message]


@pytest.fixture(scope="module")
def session_run() -> Iterator[SessionRun]:
    """The session played second by second through pins, counters and the speech flag."""
    played = play(parse_session(SESSION, "short_meeting.yaml"), seed=3)
    config = terminal_config(played.loaded.session)
    clock, sink, events = FakeClock(), RecordingSink(), queue.Queue[Any]()
    factory = MockFactory()
    bank = SensorBank(config.sensors, factory, clock, events)
    try:
        start, start_wall = clock.monotonic(), clock.now()
        engine = build_engine(config, start, bank.active_now())
        counters = session_counters(config)
        poller = CounterPoller(list(counters.values()), start)
        identity = Identity("quorum", config.room.id, config.terminal.id, "boot-1")
        publisher = Publisher(MessageBuilder(identity, Sequencer()), sink, clock)
        agent = Agent(engine, publisher, events, clock, 60.0, ZoneInfo("UTC"), [poller])
        player = build_session_player(
            played, config, bank, publisher, agent, list(counters.values()), clock
        )
        player.anchor(start)
        agent.publish_initial_state()
        for _ in range(played.loaded.truth.duration_s + AFTER_S):
            player.play_due(clock.monotonic())
            agent.process()
            clock.advance(1)
        assert player.played == len(played.signals)
        yield SessionRun(played, config, clock, start, start_wall, sink.decoded())
    finally:
        bank.close()
        factory.close()


def reference(run: SessionRun) -> dict[float, Estimate]:
    """The estimator's own answer at every step end, fed the session's signals directly."""
    estimator = FusionEstimator(FusionSettings.from_terminal_config(run.config))
    estimator.estimate(run.start)
    out: dict[float, Estimate] = {}
    n = 1
    end = run.start + run.played.loaded.truth.duration_s + AFTER_S
    for signal in run.played.signals:
        at = run.start + signal.at
        while run.start + n * STEP <= at:
            out[run.start + n * STEP] = estimator.estimate(run.start + n * STEP)
            n += 1
        estimator.observe(Signal(**(signal.__dict__ | {"at": at})))
    while run.start + n * STEP < end:
        out[run.start + n * STEP] = estimator.estimate(run.start + n * STEP)
        n += 1
    return out


def room_messages(run: SessionRun, initial: bool = False) -> list[tuple[float, OccupancyData]]:
    """(monotonic time, data) of the room's occupancy messages; changes only, unless
    ``initial``."""
    out = []
    for message in run.messages:
        data = message.data
        if isinstance(data, OccupancyData) and data.space == "room" and initial >= data.initial:
            out.append((run.start + (message.envelope.ts - run.start_wall).total_seconds(), data))
    return out


def test_the_session_is_reported_as_the_estimator_judges_it(session_run: SessionRun) -> None:
    expected = reference(session_run)
    published = room_messages(session_run)
    # Something happened: the room filled with more than one person and was released.
    assert published[0][1].occupied and not published[-1][1].occupied
    assert max(d.band or 0 for _, d in published) >= 2
    for at, data in published:
        estimate = expected[at]
        assert (data.occupied, data.band, tuple(data.signals)) == (
            estimate.occupied,
            estimate.band,
            estimate.signals,
        ), f"at +{at - session_run.start:g} s"
        assert data.probability == pytest.approx(estimate.probability, abs=1e-4)
        assert data.band_top == 3  # an LD2450 saturates at 3: Density's 0/1/2/3+


def test_every_change_of_occupied_is_sent_at_its_step(session_run: SessionRun) -> None:
    expected = reference(session_run)
    flips, before = [], False
    for at, estimate in sorted(expected.items()):
        if estimate.occupied != before:
            flips.append((at, estimate.occupied))
            before = estimate.occupied
    sent, before = [], False
    for at, data in room_messages(session_run):
        if data.occupied != before:
            sent.append((at, data.occupied))
            before = data.occupied
    assert sent == flips and len(flips) >= 2


def test_bands_are_sent_once_they_held_30_s(session_run: SessionRun) -> None:
    expected = sorted(reference(session_run).items())
    published = room_messages(session_run)
    for at, data in published:  # a band sent with the same occupied held 30 s from its stamp
        held = [e for t, e in expected if at <= t <= at + BAND_HOLD_S]
        previous = [d for t, d in published if t < at]
        if previous and previous[-1].occupied == data.occupied:
            if data.band == previous[-1].band:  # only the reasons changed (test below)
                assert set(data.signals) != set(previous[-1].signals)
                continue
            assert {(e.occupied, e.band) for e in held} == {(data.occupied, data.band)}
    # ...and a band that held 30 s was sent: the last message then says it.
    with_initial = room_messages(session_run, initial=True)
    for at, estimate in expected:
        window = {(e.occupied, e.band) for t, e in expected if at - BAND_HOLD_S <= t <= at}
        if at - BAND_HOLD_S < expected[0][0] or len(window) > 1:
            continue
        last_sent = [d for t, d in with_initial if t <= at][-1]
        assert (last_sent.occupied, last_sent.band) == (estimate.occupied, estimate.band)


def test_the_speech_flag_is_published_and_heartbeats_carry_the_fused_state(
    session_run: SessionRun,
) -> None:
    flags = [m.data.active for m in session_run.messages if isinstance(m.data, SpeechActivityData)]
    speech = [s for s in session_run.played.signals if s.kind == "speech" and s.at > 0]
    assert flags == [s.value >= 0.5 for s in speech] and flags
    beats = [m.data for m in session_run.messages if isinstance(m.data, HeartbeatData)]
    assert len(beats) >= 12
    room = [b.spaces[0] for b in beats]
    assert all(s.band_top == 3 and s.probability is not None for s in room)
    assert any(s.occupied and s.signals for s in room)


# -- the reporting rules, with a scripted estimator ------------------------------------------


class Scripted:
    """Says what the script says from each time on; records what it was told."""

    def __init__(self, script: dict[float, Estimate]) -> None:
        self.script = sorted(script.items())
        self.observed: list[Signal] = []

    def observe(self, signal: Signal) -> None:
        self.observed.append(signal)

    def estimate(self, now: float) -> Estimate:
        return [e for t, e in self.script if t <= now][-1]


def est(occupied: bool, band: int | None, p: float = 0.9, *, desk: bool | None = None) -> Estimate:
    desks = {} if desk is None else {"d1": desk}
    return Estimate(occupied, p, band, 0.8, ("pir",) if occupied else (), desks)


@pytest.fixture
def desk_room(aurora_config: TerminalConfig) -> TerminalConfig:
    data = aurora_config.model_dump()
    data["desks"] = [{"id": "d1"}]
    data["sensors"].append({"id": "seat", "kind": "desk_presence", "pin": "GPIO5", "desk": "d1"})
    return TerminalConfig.model_validate(data)


def scripted_engine(config: TerminalConfig, script: dict[float, Estimate]) -> FusionOccupancy:
    engine = FusionOccupancy(config, 0.0)
    engine.estimator = Scripted(script)  # type: ignore[assignment]
    return engine


def test_changes_are_stamped_at_the_step_that_made_them(desk_room: TerminalConfig) -> None:
    engine = scripted_engine(
        desk_room, {0: est(False, 0, desk=False), 12: est(True, None, desk=True)}
    )
    assert engine.advance(9.0) == []
    assert engine.next_deadline() == 10.0
    changes = engine.advance(100.0)  # slept through: stamped at the end of step 15 s
    assert [(c.space, c.occupied, c.at_monotonic) for c in changes] == [
        ("room", True, 15.0),
        ("desk", True, 15.0),
    ]
    room, desk = changes
    assert (room.signals, room.band, room.band_top, room.probability) == (("pir",), None, 3, 0.9)
    assert desk.signals == ("seat",) and desk.band is None


def test_a_band_is_sent_once_it_held_30_s(desk_room: TerminalConfig) -> None:
    script = {
        0: est(False, 0),
        5: est(True, 1),
        20: est(True, 2),  # 25 s only: never sent
        45: est(True, 1),
        60: est(True, 3, 0.97),  # held from 60 s
        100: est(False, 0),
    }
    engine = scripted_engine(desk_room, script)
    assert [c.band for c in engine.advance(85.0)] == [1]
    changes = engine.advance(200.0)
    assert [(c.at_monotonic, c.occupied, c.band) for c in changes] == [
        (60.0, True, 3),  # stamped when first seen, sent once it had held 30 s
        (100.0, False, 0),
    ]
    assert changes[0].probability == 0.97
    assert engine.snapshot()[0].band == 0


def test_the_snapshot_keeps_the_band_last_sent(desk_room: TerminalConfig) -> None:
    engine = scripted_engine(desk_room, {0: est(False, 0), 5: est(True, 1), 10: est(True, 2)})
    engine.advance(20.0)
    room = engine.snapshot()[0]
    assert (room.occupied, room.band, room.band_top) == (True, 1, 3)


def test_binary_sensors_become_level_signals(desk_room: TerminalConfig) -> None:
    engine = scripted_engine(desk_room, {0: est(False, 0)})
    scripted = engine.estimator
    assert isinstance(scripted, Scripted)
    kinds = {s.id: s.kind for s in desk_room.sensors}
    for sensor_id in ("pir-ceiling", "radar", "door", "seat"):
        engine.sensor_changed(SensorEvent(sensor_id, kinds[sensor_id], True, 3.0))
    engine.sensor_changed(SensorEvent("radar", kinds["radar"], False, 1.0))  # late: "now"
    assert [(s.kind, s.source, s.at, s.value, s.desk) for s in scripted.observed] == [
        ("pir", "pir-ceiling", 3.0, 1.0, None),
        ("presence", "radar", 3.0, 1.0, None),
        ("door", "door", 3.0, 1.0, None),
        ("desk", "seat", 3.0, 1.0, "d1"),
        ("presence", "radar", 3.0, 0.0, None),
    ]
    with pytest.raises(KeyError):
        engine.sensor_changed(SensorEvent("nope", kinds["radar"], True, 4.0))


def test_the_levels_at_start_up_are_state(
    aurora_config: TerminalConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Signal] = []
    original = FusionEstimator.observe

    def spy(self: FusionEstimator, signal: Signal) -> None:
        seen.append(signal)
        original(self, signal)

    monkeypatch.setattr(FusionEstimator, "observe", spy)
    FusionOccupancy(aurora_config, 0.0, active_sensors=["radar", "door"])
    # Every binary sensor's level, so a door known to be open counts as open.
    assert {(s.source, s.value) for s in seen} == {
        ("pir-ceiling", 0.0),
        ("radar", 1.0),
        ("door", 1.0),
    }


def test_new_reasons_are_sent_once_they_held_a_minute_and_at_most_every_5_min(
    desk_room: TerminalConfig,
) -> None:
    def why(*signals: str, band: int = 1) -> Estimate:
        return Estimate(True, 0.99, band, 0.8, signals)

    script = {
        0: est(False, 0),
        5: why("pir", "presence"),  # sent: occupied (at 5 s)
        100: why("presence", "door_sealed"),  # held from 100 s; due at 5 + 300 s
        500: why("presence", "pir"),  # 40 s only: never sent
        540: why("presence", "door_sealed"),
        600: why("door_sealed", "presence", band=2),  # a band change is not a reasons report
    }
    engine = scripted_engine(desk_room, script)
    changes = [c for c in engine.advance(700.0) if c.space == "room"]
    assert [(c.at_monotonic, c.band, c.signals) for c in changes] == [
        (5.0, 1, ("pir", "presence")),
        (305.0, 1, ("presence", "door_sealed")),  # the same set for a minute, 5 min after
        (600.0, 2, ("door_sealed", "presence")),  # the band, held 30 s, with its reasons
    ]
    assert REASONS_HOLD_S == 60.0 and REASONS_EVERY_S == 300.0
