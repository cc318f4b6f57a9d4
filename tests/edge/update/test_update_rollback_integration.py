"""A software update that fails its health check is rolled back, and the hub halts the rollout.

Real parts: Mosquitto; the hub's app (ingest, rollout loop, download endpoint) served on a
port; the terminal (``python -m edge run --simulate``) started from ``<root>/current``; the
update guard (``python -m edge update-guard --watch``) as a process of its own; real slots,
symlink and files in a temporary directory. The releases are scripts with the slots'
mechanics, not wheels (tests/edge/update/update_world.py says why). Nothing is timed: the
test waits for each outcome with a generous bound and checks order and content.
"""

import json
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import paho.mqtt.client as paho
import pytest
from sqlalchemy import select

from contract.config_loader import load_terminal_config
from devtools.broker import RunningBroker, free_port
from devtools.waiting import wait_for
from edge.update.cli import terminal_service
from edge.update.files import UpdateDir
from edge.update.layout import ReleaseLayout
from edge.update.service import PidfileService
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Device
from hub.db.release_models import Rollout, RolloutDevice
from hub.releases.rollouts import RolloutRequest, create_rollout
from hub.releases.store import add_release
from tests.conftest import FreshDatabase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from update_world import (
    ADMIN_TOKEN,
    ROOT,
    bundle,
    install_slot,
    release_files,
    served_hub,
    terminal_config,
)

pytestmark = pytest.mark.integration

DEVICE = "term-hq-f1-aurora"


class UpdateReports:
    """Every ``update`` message on the broker, in the order the broker delivered them; a
    message the spool re-published (same boot and seq) is counted once, as the hub does."""

    def __init__(self, broker: RunningBroker, prefix: str) -> None:
        self.seen: list[dict] = []
        self._keys: set[tuple[str, int]] = set()
        self._lock = threading.Lock()
        self._client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="update-watcher")
        self._client.on_message = self._receive
        self._client.connect(broker.host, broker.port)
        self._client.subscribe(f"{prefix}/v1/rooms/+/devices/+/events/update", qos=1)
        self._client.loop_start()

    def _receive(self, client: object, userdata: object, message: paho.MQTTMessage) -> None:
        envelope = json.loads(message.payload)
        with self._lock:
            if (envelope["boot"], envelope["seq"]) not in self._keys:
                self._keys.add((envelope["boot"], envelope["seq"]))
                self.seen.append(envelope["data"])

    def states(self) -> list[str]:
        with self._lock:
            return [report["state"] for report in self.seen]

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()


def test_a_release_that_fails_its_health_check_is_rolled_back_and_halts_the_rollout(
    broker: RunningBroker,
    topic_prefix: str,
    fresh_database: FreshDatabase,
    tmp_path: Path,
) -> None:
    database_url = fresh_database("sqlite", "org")
    releases, update_dir = tmp_path / "releases", tmp_path / "update"
    layout, files = ReleaseLayout(releases), UpdateDir(update_dir)
    install_slot(layout.slot("0.1.0"), release_files("0.1.0"))
    layout.mark_installed("0.1.0", "0" * 64)
    layout.switch_to("0.1.0")
    config = terminal_config(
        tmp_path,
        broker.port,
        topic_prefix,
        {
            "enabled": True,
            "dir": str(update_dir),
            "releases": str(releases),
            "pidfile": str(update_dir / "terminal.pid"),
            "command": [
                "{current}/bin/python",
                "-m",
                "edge",
                "run",
                "--config",
                "{config}",
                "--simulate",
                "meeting_room_day",
            ],
            "health_timeout": "90s",
            "settle": 0,
        },
    )
    files.create()
    guard_log = tmp_path / "guard.log"
    port = free_port()
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    reports = UpdateReports(broker, topic_prefix)
    terminal = terminal_service(load_terminal_config(config).update, config)
    assert isinstance(terminal, PidfileService)
    guard: subprocess.Popen[bytes] | None = None
    try:
        with served_hub(
            database_url,
            port,
            mqtt_host=broker.host,
            mqtt_port=broker.port,
            mqtt_prefix=topic_prefix,
            releases_dir=tmp_path / "hub-releases",
            rollouts_tick_s=0.2,
        ):
            terminal.start()
            with guard_log.open("wb") as log:
                argv = ["-m", "edge", "update-guard", "--config", str(config), "--watch"]
                guard = subprocess.Popen(
                    [sys.executable, *argv], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
                )

            def device() -> Device | None:
                with sessions() as session:
                    return session.get(Device, DEVICE)

            wait_for(
                lambda: (d := device()) and d.online and d.software_version == "0.1.0",
                "the terminal to be online on 0.1.0",
            )
            first_boot = device().boot  # type: ignore[union-attr]
            broken = bundle(tmp_path, "0.2.0", release_files("0.2.0", broken=True))
            with sessions() as session, session.begin():
                add_release(
                    session, broken, tmp_path / "hub-releases", now=datetime.now(UTC), actor="test"
                )
                targets = [DEVICE, "term-hq-f1-borealis"]
                request = RolloutRequest("0.2.0", canary=1, devices=targets, reply_timeout_s=600)
                create_rollout(session, request, now=datetime.now(UTC), actor="test")

            def rollout() -> Rollout | None:
                with sessions() as session:
                    found = session.scalar(select(Rollout))
                    return found if found is not None and found.state == "halted" else None

            halted = wait_for(rollout, "the rollout to halt", timeout=120)
            with sessions() as session:
                row = session.get(RolloutDevice, (halted.id, DEVICE))
                other = session.get(RolloutDevice, (halted.id, "term-hq-f1-borealis"))
            back = wait_for(
                lambda: (d := device()) and d.online and d.boot != first_boot and d,
                "the terminal to be back online",
            )
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
                api_devices = client.get("/api/v1/devices", headers=headers).json()
                api_rollout = client.get(f"/api/v1/rollouts/{halted.id}", headers=headers).json()
    finally:
        if guard is not None:
            guard.send_signal(signal.SIGTERM)
            guard.wait(30)
        PidfileService(update_dir / "terminal.pid", ["true"]).stop()
        terminal.stop()  # reaps the first terminal process, which the guard stopped
        reports.close()
        engine.dispose()

    # The hub: halted by the canary's rollback, the second terminal never sent anything.
    assert halted.halted_reason == f"{DEVICE} rolled back (service_exited)"
    assert row is not None and (row.state, row.reason) == ("rolled_back", "service_exited")
    assert row.detail is not None
    assert "0.2.0 exited with status 1 before it was healthy" in row.detail
    assert "back on 0.1.0, which is healthy" in row.detail
    assert other is not None and (other.state, other.sent_at) == ("pending", None)
    # The terminal said so in this order (what the old version published before its stop,
    # and what the restored one published after).
    assert reports.states() == ["accepted", "installed", "rolled_back"]
    assert {r["version"] for r in reports.seen} == {"0.2.0"}
    assert {r["from_version"] for r in reports.seen} == {"0.1.0"}
    # The terminal: back on 0.1.0, a new process, and that is what the hub shows.
    assert layout.current_version() == "0.1.0"
    assert layout.installed_versions() == ["0.1.0", "0.2.0"]
    stamp = files.read_health()
    assert stamp is not None and stamp.software_version == "0.1.0" and stamp.boot == back.boot
    assert back.software_version == "0.1.0"
    shown = {d["id"]: d["software_version"] for d in api_devices}
    assert shown[DEVICE] == "0.1.0"
    assert api_rollout["state"] == "halted"
    assert [d["state"] for d in api_rollout["devices"]] == ["rolled_back", "pending"]
    assert files.pending_requests() == [] and files.read_journal() is None
    assert "rolling back 0.2.0 to 0.1.0" in guard_log.read_text()
