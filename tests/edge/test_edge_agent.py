"""The agent loop, publisher and lifecycle with a fake clock and a recording sink.

Every message the agent publishes is decoded with ``contract.messages.decode``. The ``rig``
runs the hold rules (``occupancy.estimator: holds``): its tests check hold timings, or need a
change the moment an event arrives (fusion decides at the end of a 5 s step). Fusion through
the agent is tested in test_edge_agent_fusion.py.
"""

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from gpiozero.pins.mock import MockFactory

from common.clock import FakeClock
from contract.envelope import STATE_SEQ
from contract.messages import (
    HeartbeatData,
    Message,
    OccupancyData,
    SensorEventData,
    StatusData,
    decode,
)
from contract.terminal_config import TerminalConfig
from edge.agent import Agent
from edge.occupancy import OccupancyLayout, OccupancyMachine
from edge.occupancy_engine import HoldsEngine, build_engine
from edge.publisher import Identity, MessageBuilder, Publisher, Sequencer
from edge.runner import Terminal
from edge.sensors import EventQueue, MockSensorDriver, SensorBank


@dataclass
class Receipt:
    published: bool = True

    def wait_for_publish(self, timeout: float | None = None) -> None:
        return None

    def is_published(self) -> bool:
        return self.published


@dataclass
class RecordingSink:
    sent: list[tuple[str, bytes, int, bool]] = field(default_factory=list)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Receipt:
        self.sent.append((topic, payload, qos, retain))
        return Receipt()

    def decoded(self) -> list[Message]:
        return [decode(topic, payload) for topic, payload, _, _ in self.sent]


@dataclass
class Rig:
    clock: FakeClock
    sink: RecordingSink
    publisher: Publisher
    agent: Agent
    bank: SensorBank
    driver: MockSensorDriver
    events: EventQueue


@pytest.fixture
def rig(aurora_config: TerminalConfig) -> Iterator[Rig]:
    clock, sink, events = FakeClock(), RecordingSink(), queue.Queue[Any]()
    factory = MockFactory()
    bank = SensorBank(aurora_config.sensors, factory, clock, events)
    machine = OccupancyMachine(OccupancyLayout.from_config(aurora_config), clock.monotonic())
    identity = Identity("quorum", "hq-f1-aurora", "term-hq-f1-aurora", "boot-1", "0.1.0", "abc")
    publisher = Publisher(MessageBuilder(identity, Sequencer()), sink, clock)
    agent = Agent(HoldsEngine(machine), publisher, events, clock, 60.0, ZoneInfo("Europe/Berlin"))
    yield Rig(
        clock, sink, publisher, agent, bank, MockSensorDriver(bank, aurora_config.sensors), events
    )
    bank.close()
    factory.close()


def test_sequencer_counts_from_one_without_gaps_across_threads() -> None:
    sequencer = Sequencer()
    seen: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(500):
            value = sequencer.next()
            with lock:
                seen.append(value)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 2001))
    assert sequencer.last == 2000


def test_a_meeting_end_to_end_through_the_agent(rig: Rig) -> None:
    start_wall = rig.clock.now()
    rig.publisher.announce_online()
    rig.agent.publish_initial_state()

    rig.clock.advance(10)
    rig.driver.set_active("door", True)  # door shut
    rig.driver.set_active("radar", True)
    rig.agent.process()
    rig.clock.advance(50)  # heartbeat due at +60
    rig.agent.process()
    rig.driver.set_active("radar", False)
    rig.agent.process()
    assert rig.agent.next_wake() == rig.clock.monotonic() + 60  # heartbeat before the 300 s hold
    rig.clock.advance(1000)  # slept through the hold: the vacancy is stamped at its deadline
    rig.agent.process()

    messages = rig.sink.decoded()
    kinds = [(m.envelope.type, m.envelope.seq) for m in messages]
    assert kinds == [
        ("status", STATE_SEQ),
        ("occupancy", 1),
        ("sensor", 2),
        ("sensor", 3),
        ("occupancy", 4),
        ("heartbeat", 5),
        ("sensor", 6),
        ("occupancy", 7),
        ("heartbeat", 8),
    ]
    assert all(
        m.envelope.boot == "boot-1" and m.envelope.device == "term-hq-f1-aurora" for m in messages
    )
    status, initial, door, radar, occupied, heartbeat, radar_off, vacant, _ = messages
    assert status.data == StatusData(
        state="online", reason="start", software_version="0.1.0", config_version="abc"
    )
    assert initial.data == OccupancyData(
        space="room", space_id="hq-f1-aurora", occupied=False, initial=True
    )
    assert door.data == SensorEventData(sensor_id="door", kind="door_contact", active=True)
    assert radar.data == SensorEventData(sensor_id="radar", kind="mmwave_presence", active=True)
    assert occupied.data == OccupancyData(
        space="room", space_id="hq-f1-aurora", occupied=True, signals=["radar"]
    )
    assert occupied.envelope.ts == start_wall + timedelta(seconds=10)
    assert isinstance(heartbeat.data, HeartbeatData)
    assert heartbeat.data.uptime_s == 60 and heartbeat.data.interval_s == 60
    assert [(s.space_id, s.occupied) for s in heartbeat.data.spaces] == [("hq-f1-aurora", True)]
    assert heartbeat.data.spool is None  # no spool here (see test_edge_delivery), so no fill
    assert radar_off.envelope.ts == start_wall + timedelta(seconds=60)
    assert vacant.data == OccupancyData(
        space="room", space_id="hq-f1-aurora", occupied=False, signals=["radar"]
    )
    assert vacant.envelope.ts == start_wall + timedelta(seconds=360)
    # Retain only the status; everything at QoS 1.
    assert [(qos, retain) for _, _, qos, retain in rig.sink.sent] == [(1, True)] + [(1, False)] * 8


def test_one_heartbeat_after_a_stall_not_a_burst(rig: Rig) -> None:
    rig.clock.advance(600)
    rig.agent.process()
    rig.clock.advance(59)
    rig.agent.process()
    assert [m.envelope.type for m in rig.sink.decoded()] == ["heartbeat"]
    rig.clock.advance(1)
    rig.agent.process()
    assert [m.envelope.type for m in rig.sink.decoded()] == ["heartbeat", "heartbeat"]


def test_reconnects_announce_online_again_with_seq_0(rig: Rig) -> None:
    rig.publisher.announce_online()
    rig.publisher.announce_online()
    statuses = rig.sink.decoded()
    assert [(m.data, m.envelope.seq) for m in statuses] == [
        (
            StatusData(
                state="online", reason="start", software_version="0.1.0", config_version="abc"
            ),
            0,
        ),
        (
            StatusData(
                state="online", reason="reconnect", software_version="0.1.0", config_version="abc"
            ),
            0,
        ),
    ]
    assert all(retain for *_, retain in rig.sink.sent)


def test_the_will_is_a_retained_offline_status(rig: Rig) -> None:
    will = rig.publisher.builder.will(rig.clock.now())
    message = decode(will.topic, will.payload)
    assert message.data == StatusData(
        state="offline", reason="will", software_version="0.1.0", config_version="abc"
    )
    assert message.envelope.seq == STATE_SEQ and will.retain and will.qos == 1


@pytest.mark.parametrize("estimator", ["holds", "fusion"])
def test_every_message_of_a_desk_area_decodes(
    east_desks_config: TerminalConfig, estimator: str
) -> None:
    config = east_desks_config.model_copy(
        update={
            "occupancy": east_desks_config.occupancy.model_copy(update={"estimator": estimator})
        }
    )
    clock, sink, events = FakeClock(), RecordingSink(), queue.Queue[Any]()
    factory = MockFactory()
    bank = SensorBank(config.sensors, factory, clock, events)
    try:
        engine = build_engine(config, clock.monotonic())
        identity = Identity("quorum/site-a", "hq-f2-east", "term-hq-f2-east-desks", "b")
        publisher = Publisher(MessageBuilder(identity, Sequencer()), sink, clock)
        agent = Agent(engine, publisher, events, clock, 30.0, ZoneInfo("Europe/Berlin"))
        driver = MockSensorDriver(bank, east_desks_config.sensors)
        agent.publish_initial_state()
        for step, sensor in enumerate(s.id for s in east_desks_config.sensors):
            driver.set_active(sensor, True)
            clock.advance(10 + step)
            agent.process()
            driver.set_active(sensor, False)
            agent.process()
        clock.advance(3600)
        agent.process()
        messages = sink.decoded()
    finally:
        bank.close()
        factory.close()
    assert [m.envelope.seq for m in messages] == list(range(1, len(messages) + 1))
    initial = [m.data for m in messages if isinstance(m.data, OccupancyData) and m.data.initial]
    assert [(d.space, d.space_id) for d in initial] == [("room", "hq-f2-east")] + [
        ("desk", f"hq-f2-e0{n}") for n in range(1, 7)
    ]
    changes = [m.data for m in messages if isinstance(m.data, OccupancyData) and not m.data.initial]
    # Every desk was used once, and released once its sensor had been quiet long enough.
    for desk in (f"hq-f2-e0{n}" for n in range(1, 7)):
        assert [d.occupied for d in changes if d.space_id == desk] == [True, False]
    if estimator == "holds":  # the room follows its desks in a desk area
        assert sum(d.occupied for d in changes) == sum(not d.occupied for d in changes) == 7
    assert {m.topic.prefix for m in messages} == {"quorum/site-a"}


@dataclass
class FakeConnection:
    publisher: Publisher | None = None
    calls: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.calls.append("start")
        assert self.publisher is not None
        self.publisher.announce_online()  # what MqttConnection's on_connected hook does

    def wait_connected(self, timeout: float) -> bool:
        return True

    def stop(self) -> None:
        self.calls.append("stop")


def test_the_terminal_says_hello_and_goodbye(rig: Rig) -> None:
    connection = FakeConnection(rig.publisher)
    stop = threading.Event()
    stop.set()  # stop at once: we only look at the lifecycle around the loop
    Terminal(connection, rig.publisher, rig.agent, rig.bank).run(stop)
    statuses = [(m.envelope.type, getattr(m.data, "state", None)) for m in rig.sink.decoded()]
    assert statuses == [("status", "online"), ("occupancy", None), ("status", "offline")]
    offline = rig.sink.decoded()[-1]
    assert isinstance(offline.data, StatusData) and offline.data.reason == "shutdown"
    assert connection.calls == ["start", "stop"]
    assert rig.bank.sensor_ids == []  # devices closed


@dataclass
class FakeDelivery:
    calls: list[str]

    def start(self) -> None:
        self.calls.append("delivery.start")

    def drain(self, timeout: float) -> bool:
        self.calls.append("delivery.drain")
        return True

    def in_flight(self) -> int:
        return 0

    def stop(self) -> None:
        self.calls.append("delivery.stop")

    def close(self) -> None:
        self.calls.append("spool.close")


def test_the_spool_starts_before_the_connection_and_closes_after_it(rig: Rig) -> None:
    connection = FakeConnection(rig.publisher)
    delivery = FakeDelivery(connection.calls)
    stop = threading.Event()
    stop.set()
    terminal = Terminal(
        connection, rig.publisher, rig.agent, rig.bank, delivery=delivery, spool=delivery
    )
    terminal.run(stop)
    # Old boots' messages are queued before the connect; in-flight ones get a moment before
    # the goodbye; the spool is closed (WAL checkpoint) once nothing can write to it.
    assert connection.calls == [
        "delivery.start",
        "start",
        "delivery.drain",
        "stop",
        "delivery.stop",
        "spool.close",
    ]


def test_the_loop_wakes_for_events_and_stops_when_asked(rig: Rig) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=rig.agent.run, args=(stop,))
    thread.start()
    rig.driver.set_active("radar", True)  # the FakeClock never moves: only the event wakes it
    deadline = threading.Event()
    for _ in range(200):
        if any(m.envelope.type == "occupancy" for m in rig.sink.decoded()):
            break
        deadline.wait(0.05)
    stop.set()
    rig.agent.wake()
    thread.join(10)
    assert not thread.is_alive()
    assert [m.envelope.type for m in rig.sink.decoded()] == ["sensor", "occupancy"]
