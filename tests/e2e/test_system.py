"""End to end: a real Mosquitto, the hub and simulated terminals, each its own process.

Assertions go over HTTP against the hub's API, as a facilities tool would use it. Tests wait
for the state they expect with generous bounds; how long it took is a benchmark figure.
"""

import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from contract.messages import OccupancyData, decode
from contract.topics import all_terminal_messages
from devtools import waiting
from devtools.broker import BrokerUnavailable, RunningBroker, amqtt_broker
from devtools.processes import HubProcess, start_hub, start_terminal

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
AURORA = ROOT / "firmware_configs" / "hq-f1-aurora.yaml"


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    return waiting.wait_for(condition, what, timeout, interval=0.2)


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    """The shipped configs, with a short keepalive so a dead terminal is noticed quickly."""
    directory = tmp_path / "configs"
    directory.mkdir()
    for path in (ROOT / "firmware_configs").glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    aurora = directory / AURORA.name
    aurora.write_text(
        aurora.read_text().replace("  port: 1883\n", "  port: 1883\n  keepalive: 2s\n")
    )
    return directory


@pytest.fixture
def hub(broker: RunningBroker, configs: Path, tmp_path: Path) -> Iterator[HubProcess]:
    running = start_hub(broker, tmp_path / "hub", configs_dir=configs)
    try:
        yield running
    finally:
        running.child.terminate()


def api(hub: HubProcess, path: str, **params: Any) -> Any:
    response = httpx.get(
        f"{hub.url}/api/v1{path}",
        params=params,
        timeout=10,
        headers={"Authorization": f"Bearer {hub.admin_token}"},
    )
    response.raise_for_status()
    return response.json()


class Recorder:
    """Everything terminals publish, as the broker delivers it to a plain subscriber."""

    def __init__(self, broker: RunningBroker, prefix: str = "quorum") -> None:
        self.messages: list[Any] = []
        self._lock = threading.Lock()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        for topic_filter in all_terminal_messages(prefix):
            self.client.subscribe(topic_filter, qos=1)
        self.client.loop_start()

    def _on_message(self, client: Any, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(decode(message.topic, message.payload))

    def occupancy(self, space_id: str) -> list[Any]:
        with self._lock:
            return [
                m
                for m in self.messages
                if isinstance(m.data, OccupancyData) and m.data.space_id == space_id
            ]

    def caught_up(self) -> bool:
        """True once a sequenced message carries a timestamp from the last two minutes."""
        recent = datetime.now(UTC) - timedelta(minutes=2)
        with self._lock:
            return any(m.envelope.seq > 0 and m.envelope.ts >= recent for m in self.messages)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def test_replayed_terminal_history_reaches_the_api_exactly(broker, hub, configs, tmp_path) -> None:
    recorder = Recorder(broker)
    terminal = start_terminal(
        configs / AURORA.name,
        broker,
        tmp_path,
        scenario="meeting_room_day",
        speed=2000,
        start="-3h",
    )
    try:
        # The replay ends when the terminal's clock reaches the present; it then runs live.
        wait_for(
            lambda: len(recorder.occupancy("hq-f1-aurora")) >= 1,
            60,
            "the initial occupancy message",
        )
        device = wait_for(
            lambda: (d := api(hub, "/devices/term-hq-f1-aurora"))["online"] and d,
            30,
            "the terminal online",
        )
        assert device["room_id"] == "hq-f1-aurora"
        wait_for(recorder.caught_up, 120, "the terminal's replay to reach the present")
        published = recorder.occupancy("hq-f1-aurora")

        def history_complete() -> Any:
            body = api(
                hub, "/rooms/hq-f1-aurora/occupancy", start=published[0].envelope.ts.isoformat()
            )
            return body if len(body["changes"]) >= len(published) else None

        body = wait_for(history_complete, 30, "every published change in the hub's history")
        stored = [(c["ts"], c["occupied"]) for c in body["changes"]]
        sent = [(m.envelope.ts, m.data.occupied) for m in published]
        assert [o for _, o in stored][: len(sent)] == [o for _, o in sent]
        assert sorted(stored, key=lambda c: c[0]) == stored  # in device-time order
        room = api(hub, "/rooms/hq-f1-aurora")
        last = max(published, key=lambda m: m.envelope.ts)
        assert room["state"]["occupied"] == last.data.occupied
    finally:
        terminal.terminate()
        recorder.close()


def test_sigkilled_terminal_is_marked_offline_by_its_last_will(
    broker, hub, configs, tmp_path
) -> None:
    terminal = start_terminal(configs / AURORA.name, broker, tmp_path, scenario="meeting_room_day")
    try:
        wait_for(
            lambda: api(hub, "/devices/term-hq-f1-aurora")["online"], 30, "the terminal online"
        )
        terminal.kill()
        # The broker sends the Last Will after 1.5 x the 2 s keepalive; allow far more.
        wait_for(
            lambda: not api(hub, "/devices/term-hq-f1-aurora")["online"], 30, "the terminal offline"
        )
        live = next(r for r in api(hub, "/rooms") if r["id"] == "hq-f1-aurora")
        assert live["device"]["online"] is False
    finally:
        terminal.kill()


def test_clean_stop_says_goodbye_and_restart_comes_back_online(
    broker, hub, configs, tmp_path
) -> None:
    terminal = start_terminal(configs / AURORA.name, broker, tmp_path, scenario="meeting_room_day")
    wait_for(lambda: api(hub, "/devices/term-hq-f1-aurora")["online"], 30, "the terminal online")
    first_boot = api(hub, "/devices/term-hq-f1-aurora")["boot"]
    assert terminal.terminate() == 0
    wait_for(
        lambda: not api(hub, "/devices/term-hq-f1-aurora")["online"], 30, "the shutdown status"
    )
    again = start_terminal(
        configs / AURORA.name, broker, tmp_path, scenario="meeting_room_day", name="again"
    )
    try:
        device = wait_for(
            lambda: (d := api(hub, "/devices/term-hq-f1-aurora"))["online"] and d,
            30,
            "the restarted terminal online",
        )
        assert device["boot"] != first_boot
    finally:
        again.terminate()


def test_broker_restart_brings_terminal_back_online(broker, hub, configs, tmp_path) -> None:
    terminal = start_terminal(configs / AURORA.name, broker, tmp_path, scenario="meeting_room_day")
    try:
        wait_for(
            lambda: api(hub, "/devices/term-hq-f1-aurora")["online"], 30, "the terminal online"
        )
        # No persistence: the retained status is gone until the terminal re-publishes it.
        broker.restart()
        # Subscribing after the restart is enough: the re-published status is retained.
        recorder = Recorder(broker)
        try:
            wait_for(
                lambda: any(
                    m.envelope.type == "status" and m.data.state == "online"
                    for m in recorder.messages
                ),
                60,
                "the status re-published after reconnect",
            )
        finally:
            recorder.close()
        assert api(hub, "/devices/term-hq-f1-aurora")["online"] is True
    finally:
        terminal.terminate()


@pytest.fixture
def broker311(tmp_path: Path) -> Iterator[RunningBroker]:
    """amqtt: MQTT 3.1.1 only, and it never answers an MQTT 5 CONNECT that carries a will."""
    try:
        running = amqtt_broker(tmp_path / "amqtt").start()
    except BrokerUnavailable as exc:
        pytest.skip(f"amqtt is not installed: {exc}")
    try:
        yield running
    finally:
        running.kill()


def test_terminal_and_hub_work_over_mqtt_311(broker311, configs, tmp_path) -> None:
    """The demo's reduced mode: both sides fall back from their default protocol "auto"."""
    hub = start_hub(broker311, tmp_path / "hub", configs_dir=configs)
    terminal = start_terminal(
        configs / AURORA.name,
        broker311,
        tmp_path,
        scenario="meeting_room_day",
        speed=2000,
        start="-2h",
    )
    try:
        wait_for(
            lambda: api(hub, "/devices/term-hq-f1-aurora")["online"], 60, "the terminal online"
        )
        wait_for(
            lambda: api(hub, "/rooms/hq-f1-aurora")["state"]["occupied"] is not None,
            60,
            "the room's occupancy reported",
        )
        terminal.kill()  # the Last Will works on 3.1.1 too
        wait_for(lambda: not api(hub, "/devices/term-hq-f1-aurora")["online"], 60, "offline")
        stats = api(hub, "/ingest/stats")
        assert stats["stored"]["dead_letters"] == 0 and stats["stored"]["messages"] > 0
    finally:
        terminal.kill()
        hub.child.terminate()
