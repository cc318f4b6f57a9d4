"""The terminal as a subprocess (``python -m edge run``) against a real Mosquitto.

Tests wait for the messages they expect with generous bounds and assert on
order and content, never on how long anything took.
"""

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from common.mqtt import BrokerAddress, MqttConnection
from contract.messages import Message, OccupancyData, SensorEventData, StatusData, decode
from contract.topics import all_terminal_messages, status_topic
from devtools import waiting
from devtools.broker import RunningBroker

from .conftest import AURORA

pytestmark = pytest.mark.integration
ROOT = AURORA.parents[1]
ROOM, DEVICE = "hq-f1-aurora", "term-hq-f1-aurora"
WAIT_S = 30.0

SCENARIO = """\
name: integration
description: two short uses of the room, one seen by the PIR, one by the radar
steps:
  - {at: 0, sensor: door, action: close}
  - {at: 30s, sensor: door, action: open}
  - {at: 30s, sensor: pir-ceiling, action: pulse, every: 20s, until: 2m}
  - {at: 2m, sensor: door, action: close}
  - {at: 10m, sensor: radar, action: "on"}
  - {at: 12m, sensor: radar, action: "off"}
"""


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    return waiting.wait_for(condition, what, timeout)


@dataclass
class Received:
    message: Message
    retained: bool


class Recorder:
    """Decodes everything terminals publish under one prefix (decode raises on bad messages)."""

    def __init__(self, broker: RunningBroker, prefix: str, topics: list[str] | None = None) -> None:
        self.items: list[Received] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        address = BrokerAddress(broker.host, broker.port, protocol="5", keepalive_s=5)
        self.connection = MqttConnection(
            address, f"recorder-{id(self)}", on_message=self._on_message
        )
        for topic_filter in topics or all_terminal_messages(prefix):
            self.connection.subscribe(topic_filter)
        self.connection.start()
        assert self.connection.wait_connected(WAIT_S), "recorder could not connect"

    def _on_message(self, raw: paho.MQTTMessage) -> None:
        try:
            received = Received(decode(raw.topic, raw.payload), bool(raw.retain))
        except Exception as exc:  # recorded, so the test fails with the reason
            with self._lock:
                self.errors.append(f"{raw.topic}: {exc}")
            return
        with self._lock:
            self.items.append(received)

    def messages(self) -> list[Message]:
        with self._lock:
            return [r.message for r in self.items]

    def statuses(self) -> list[StatusData]:
        return [m.data for m in self.messages() if isinstance(m.data, StatusData)]

    def room_changes(self) -> list[OccupancyData]:
        return [
            m.data
            for m in self.messages()
            if isinstance(m.data, OccupancyData) and m.data.space == "room" and not m.data.initial
        ]

    def stop(self) -> None:
        self.connection.stop()


@pytest.fixture
def terminal_config(tmp_path: Path) -> Path:
    """Aurora with the hold rules (the scenario's expectations are hold timings), short holds
    and heartbeat, and a short keepalive."""
    text = AURORA.read_text()
    text = text.replace(
        "  room_hold: 5m\n  heartbeat: 60s\n",
        "  estimator: holds\n  room_hold: 2m\n  heartbeat: 20s\n",
    )
    text = text.replace("  port: 1883\n", "  port: 1883\n  keepalive: 5s\n")
    path = tmp_path / "aurora.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "integration.yaml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture
def launch(
    broker: RunningBroker, topic_prefix: str, terminal_config: Path, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(scenario: str, *extra: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"terminal-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "edge",
                "run",
                "--config",
                str(terminal_config),
                "--simulate",
                scenario,
                "--broker-host",
                broker.host,
                "--broker-port",
                str(broker.port),
                "--prefix",
                topic_prefix,
                "--spool",
                str(tmp_path / "spool.sqlite"),
                *extra,
            ],
            cwd=ROOT,
            env={**os.environ, "QUORUM_MQTT_PASSWORD": "integration-test"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.fixture
def recorder(broker: RunningBroker, topic_prefix: str) -> Iterator[Recorder]:
    recording = Recorder(broker, topic_prefix)
    yield recording
    recording.stop()


def retained_status(broker: RunningBroker, prefix: str) -> Received:
    """What a subscriber arriving now gets on the status topic."""
    late = Recorder(broker, prefix, [status_topic(prefix, ROOM, DEVICE)])
    try:
        received: Received = wait_for(lambda: late.items and late.items[-1], "the retained status")
        return received
    finally:
        late.stop()


def state_of(received: Received) -> tuple[str, str | None, int]:
    data = received.message.data
    assert isinstance(data, StatusData)
    return data.state, data.reason, received.message.envelope.seq


def test_a_simulated_meeting_reaches_a_subscriber_in_order(
    launch: Callable[..., subprocess.Popen[bytes]],
    recorder: Recorder,
    broker: RunningBroker,
    topic_prefix: str,
    scenario: Path,
) -> None:
    process = launch(str(scenario), "--speed", "200", "--start", "-2h")
    wait_for(lambda: len(recorder.room_changes()) >= 4, "two uses of the room")
    online = retained_status(broker, topic_prefix)
    assert online.retained and state_of(online) == ("online", "start", 0)

    process.send_signal(signal.SIGTERM)
    assert process.wait(WAIT_S) == 0
    wait_for(lambda: recorder.statuses()[-1].state == "offline", "the offline status")
    assert recorder.errors == []

    messages = recorder.messages()
    statuses = [(s.state, s.reason) for s in recorder.statuses()]
    assert statuses == [("online", "start"), ("offline", "shutdown")]
    assert messages[0].envelope.type == "status"  # online before anything else
    ledger = [m for m in messages if m.envelope.type != "status"]
    assert len({m.envelope.boot for m in messages}) == 1
    assert [m.envelope.seq for m in ledger] == list(range(1, len(ledger) + 1))
    assert all(m.envelope.seq == 0 for m in messages if m.envelope.type == "status")

    first = ledger[0].data
    assert first == OccupancyData(space="room", space_id=ROOM, occupied=False, initial=True)
    changes = recorder.room_changes()
    assert [(c.occupied, c.signals) for c in changes[:4]] == [
        (True, ["pir-ceiling"]),
        (False, ["pir-ceiling"]),
        (True, ["radar"]),
        (False, ["radar"]),
    ]
    stamps = [
        m.envelope.ts for m in ledger if isinstance(m.data, OccupancyData) and not m.data.initial
    ]
    assert stamps == sorted(stamps)
    assert any(m.envelope.type == "heartbeat" for m in ledger)
    events = {
        (m.data.sensor_id, m.data.active) for m in ledger if isinstance(m.data, SensorEventData)
    }
    assert {("door", False), ("door", True), ("radar", True), ("pir-ceiling", True)} <= events

    offline = retained_status(broker, topic_prefix)
    assert offline.retained and state_of(offline) == ("offline", "shutdown", 0)


def test_after_a_broker_restart_the_terminal_publishes_online_again(
    launch: Callable[..., subprocess.Popen[bytes]], recorder: Recorder, broker: RunningBroker
) -> None:
    launch("meeting_room_day")
    wait_for(lambda: any(s.state == "online" for s in recorder.statuses()), "the terminal online")
    broker.restart()  # no persistence: the retained status is gone with the old broker
    wait_for(
        lambda: any(s.state == "online" and s.reason == "reconnect" for s in recorder.statuses()),
        "the online status re-published after the restart",
    )
    assert recorder.errors == []


def test_a_killed_terminal_is_reported_offline_by_its_last_will(
    launch: Callable[..., subprocess.Popen[bytes]],
    recorder: Recorder,
    broker: RunningBroker,
    topic_prefix: str,
) -> None:
    process = launch("meeting_room_day")
    wait_for(lambda: any(s.state == "online" for s in recorder.statuses()), "the terminal online")
    process.send_signal(signal.SIGKILL)
    process.wait(WAIT_S)
    wait_for(
        lambda: any(s.state == "offline" and s.reason == "will" for s in recorder.statuses()),
        "the Last Will",
    )
    will = retained_status(broker, topic_prefix)
    assert will.retained and state_of(will) == ("offline", "will", 0)


def flips(changes: list[OccupancyData]) -> list[OccupancyData]:
    """The reports that changed ``occupied`` (others carry a new band or new reasons)."""
    out: list[OccupancyData] = []
    for change in changes:
        if not out or change.occupied != out[-1].occupied:
            out.append(change)
    return out


def test_a_fusion_session_reaches_a_subscriber_with_its_band(
    broker: RunningBroker, topic_prefix: str, recorder: Recorder, tmp_path: Path
) -> None:
    """``--session``: the session's own room, fusion (the default) deciding, at 600x."""
    log = (tmp_path / "session.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edge",
            "run",
            "--session",
            "cleaners_7am",
            "--seed",
            "1",
            "--speed",
            "600",
            "--broker-host",
            broker.host,
            "--broker-port",
            str(broker.port),
            "--prefix",
            topic_prefix,
            "--spool",
            str(tmp_path / "spool.sqlite"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # Two cleaners in for eight minutes, then gone with the door open.
        changes = wait_for(
            lambda: (c := flips(recorder.room_changes())) and len(c) >= 2 and c, "in and out again"
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(WAIT_S) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert recorder.errors == []
    assert [c.occupied for c in changes[:2]] == [True, False]
    assert all(c.space_id == "cleaners-7am" and c.band_top == 5 for c in changes)
    assert all(c.probability is not None and c.signals for c in changes)
    occupied = changes[0]
    assert occupied.probability is not None and occupied.probability >= 0.7
    messages = recorder.messages()
    ledger = [m for m in messages if m.envelope.type != "status"]
    assert [m.envelope.seq for m in ledger] == list(range(1, len(ledger) + 1))
    assert any(m.envelope.type == "speech_activity" for m in ledger)  # the vacuum cleaner
