"""Configuration push end to end (issue 11): a real Mosquitto, a real hub process and a real
terminal process (``--simulate``), with ``python -m hub configs sync`` run as an operator would.

A good configuration (a shorter heartbeat) is applied and the hub shows its version; one
with a deliberate fault (a broker port nobody listens on) is rolled back, the hub shows the
failure and its reason, and the terminal goes on with the good one: its heartbeats keep
naming that version. Waits are generous bounds; the assertions are on order and content.
"""

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from typer.testing import CliRunner

from common.mqtt import BrokerAddress, MqttConnection
from contract.config_push import ConfigReportData, config_version
from contract.messages import HeartbeatData, Message, decode
from contract.topics import all_terminal_messages
from devtools import waiting
from devtools.broker import RunningBroker, free_port
from devtools.processes import ROOT, Child, HubProcess, spawn, start_hub
from hub.cli import app as cli
from hub.settings import get_settings
from tests.e2e.test_minutes_e2e import call

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

AURORA = ROOT / "firmware_configs" / "hq-f1-aurora.yaml"
DEVICE = "term-hq-f1-aurora"
# The world stays still: the test is about configurations, not occupancy.
SCENARIO = """\
name: still
description: the door closes once
steps:
  - {at: 0, sensor: door, action: close}
"""


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    return waiting.wait_for(condition, what, timeout, interval=0.1)


class Recorder:
    """Every message the terminal publishes, decoded, in arrival order."""

    def __init__(self, broker: RunningBroker, prefix: str) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        address = BrokerAddress(broker.host, broker.port, protocol="5", keepalive_s=5)
        self._connection = MqttConnection(address, f"recorder-{prefix}", on_message=self._on)
        for topic_filter in all_terminal_messages(prefix):
            self._connection.subscribe(topic_filter)
        self._connection.start()
        assert self._connection.wait_connected(30), "the recorder could not connect"

    def _on(self, raw: paho.MQTTMessage) -> None:
        message = decode(raw.topic, raw.payload)
        with self._lock:
            self.messages.append(message)

    def of_type(self, kind: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m.envelope.type == kind]

    def close(self) -> None:
        self._connection.stop()


@pytest.fixture
def recorder(broker: RunningBroker, topic_prefix: str) -> Iterator[Recorder]:
    made = Recorder(broker, topic_prefix)
    yield made
    made.close()


def terminal_file(broker: RunningBroker, prefix: str) -> str:
    """Aurora on this test's broker and prefix, with a heartbeat every 2 s."""
    text = AURORA.read_text()
    for old, new in [
        ("  host: localhost\n", f"  host: {broker.host}\n"),
        ("  port: 1883\n", f"  port: {broker.port}\n  prefix: {prefix}\n"),
        ("  heartbeat: 60s\n", "  heartbeat: 2s\n"),
    ]:
        assert old in text
        text = text.replace(old, new)
    return text


def sync(hub: HubProcess, configs: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``python -m hub configs sync DIR --json`` on the running hub's database (in this
    process: the same command, without another interpreter's start-up)."""
    monkeypatch.setenv("QUORUM_DATABASE_URL", hub.database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["configs", "sync", str(configs), "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def device(hub: HubProcess) -> dict[str, Any]:
    found: dict[str, Any] = call(hub, "GET", f"/devices/{DEVICE}", hub.admin_token)
    return found


def start_terminal(config: Path, tmp_path: Path, apply_timeout_s: float) -> Child:
    scenario = tmp_path / "still.yaml"
    scenario.write_text(SCENARIO)
    args = ["-m", "edge", "run", "--config", str(config), "--simulate", str(scenario)]
    args += ["--spool", str(tmp_path / "spool.sqlite"), "--apply-timeout", str(apply_timeout_s)]
    env = {"QUORUM_MQTT_PASSWORD": "not-a-secret-local-test"}
    return spawn("terminal", args, env=env, log_dir=tmp_path / "logs")


def test_a_good_configuration_is_applied_and_a_faulty_one_rolled_back(
    broker: RunningBroker,
    topic_prefix: str,
    tmp_path: Path,
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    hub_file = configs / "hq-f1-aurora.yaml"
    hub_file.write_text(terminal_file(broker, topic_prefix))
    on_terminal = tmp_path / "terminal" / "terminal.yaml"
    on_terminal.parent.mkdir()
    on_terminal.write_bytes(hub_file.read_bytes())
    v0 = config_version(hub_file.read_bytes())
    hub = start_hub(
        broker,
        tmp_path / "hub",
        configs_dir=configs,
        prefix=topic_prefix,
        extra_env={"QUORUM_CONFIG_PUSH_INTERVAL_S": "0.5"},
    )
    terminal = start_terminal(on_terminal, tmp_path, apply_timeout_s=3.0)
    try:
        wait_for(lambda: device(hub)["online"] and device(hub)["config_version"] == v0, "online")
        first = sync(hub, configs, monkeypatch)
        assert [f["status"] for f in first["files"]] == ["new"]
        assert device(hub)["config"]["state"] == "in_sync"  # it already runs that file

        # A good change: a 3 s heartbeat.
        hub_file.write_text(hub_file.read_text().replace("heartbeat: 2s", "heartbeat: 3s"))
        v1 = config_version(hub_file.read_bytes())
        changed = sync(hub, configs, monkeypatch)
        assert [(f["status"], f["previous_version"]) for f in changed["files"]] == [("changed", v0)]

        def applied() -> dict[str, Any] | None:
            config = device(hub)["config"]
            report = config["last_report"]
            done = report is not None and report["version"] == v1
            return config if done and config["running_version"] == v1 else None

        config = wait_for(applied, "the hub to show v1 applied")
        assert config["state"] == "in_sync" and config["last_report"]["outcome"] == "applied"
        assert on_terminal.read_bytes() == hub_file.read_bytes()
        assert config_version(on_terminal.with_name("terminal.yaml.last-good").read_bytes()) == v0

        # A faulty one: a broker port nobody listens on.
        dead_port = free_port()
        hub_file.write_text(
            hub_file.read_text().replace(f"port: {broker.port}\n", f"port: {dead_port}\n")
        )
        v2 = config_version(hub_file.read_bytes())
        sync(hub, configs, monkeypatch)

        def rolled_back() -> dict[str, Any] | None:
            config = device(hub)["config"]
            report = config["last_report"]
            return config if report is not None and report["version"] == v2 else None

        config = wait_for(rolled_back, "the hub to show v2 rolled back")
        report = config["last_report"]
        assert config["state"] == "rolled_back"
        assert (report["outcome"], report["reason"]) == ("rolled_back", "broker_unreachable")
        assert str(dead_port) in report["detail"] and report["running_version"] == v1
        assert on_terminal.read_bytes() != hub_file.read_bytes()  # still the good one
        assert config_version(on_terminal.read_bytes()) == v1
        assert on_terminal.with_name("terminal.yaml.failed").read_bytes() == hub_file.read_bytes()

        # The terminal goes on with v1: a heartbeat after the report names it, every 3 s.
        answered = len(recorder.messages)
        later = wait_for(
            lambda: [
                m for m in recorder.of_type("heartbeat") if recorder.messages.index(m) > answered
            ],
            "a heartbeat after the rollback",
        )
        beat = later[0].data
        assert isinstance(beat, HeartbeatData)
        assert (beat.config_version, beat.interval_s) == (v1, 3.0)
        assert terminal.alive()
        assert wait_for(lambda: device(hub)["online"], "the terminal online") is True
        assert device(hub)["config_version"] == v1
    finally:
        terminal.terminate()
        hub.child.terminate()
    # What the terminal said, in order: v1 applied, then v2 rolled back to v1. A spool may
    # publish a message again (a new runtime re-publishes what the hub had not confirmed):
    # (boot, seq) names each once.
    unique = {(m.envelope.boot, m.envelope.seq): m.data for m in recorder.of_type("config")}
    reports = list(unique.values())
    assert all(isinstance(r, ConfigReportData) for r in reports)
    assert [(r.version, r.outcome, r.running_version) for r in reports] == [
        (v1, "applied", v1),
        (v2, "rolled_back", v1),
    ]
    # Its retained status said "reconfigure" while each candidate took over.
    reasons = [m.data.reason for m in recorder.of_type("status")]
    assert reasons.count("reconfigure") == 2 and reasons[-1] == "shutdown"
