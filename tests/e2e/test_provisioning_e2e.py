"""A new terminal, as a new operator would bring one up (issue 10): Mosquitto runs the shipped
configuration (deploy/mosquitto/quorum.conf, files from 'python -m hub broker init'), the hub
connects over TLS with its own account; one command provisions the terminal, which then runs
from the file that command wrote and shows up online in the hub. Revoking it closes its
session, the hub shows it offline, and the broker refuses its reconnects.

Everything runs as separate processes: Mosquitto, ``python -m hub serve``, ``python -m hub
devices provision / revoke``, ``python -m edge run --config <written file> --simulate``.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools import waiting
from devtools.broker import BrokerUnavailable
from devtools.processes import ROOT, HubProcess, spawn, start_hub
from devtools.secure_broker import SecuredBroker, secured_mosquitto
from tests.e2e.test_minutes_e2e import call

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ROOM = "hq-f1-aurora"


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[SecuredBroker]:
    try:
        made = secured_mosquitto(tmp_path / "broker")
    except BrokerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    made.broker.start()
    try:
        yield made
    finally:
        made.broker.kill()


def hub_env(secured: SecuredBroker) -> dict[str, str]:
    """The settings 'broker init' wrote for the hub, at this test's broker ports."""
    env = secured.setup.hub_settings()
    env["QUORUM_MQTT_PORT"] = env["QUORUM_DEVICES_MQTT_PORT"] = str(secured.port)
    env["QUORUM_DEVICES_MQTT_CERT_PORT"] = str(secured.cert_port)
    return env


def hub_command(hub: HubProcess, env: dict[str, str], *args: str) -> dict[str, Any]:
    """``python -m hub ARGS --json`` on the hub's database; its one JSON document."""
    done = subprocess.run(
        [sys.executable, "-m", "hub", *args, "--json"],
        cwd=ROOT,
        env={**os.environ, **env, "QUORUM_DATABASE_URL": hub.database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_provision_run_and_revoke_a_terminal(secured: SecuredBroker, tmp_path: Path) -> None:
    env = hub_env(secured)
    hub = start_hub(secured.broker, tmp_path / "hub", extra_env=env)
    terminal = None
    try:
        made = hub_command(
            hub,
            env,
            "devices",
            "provision",
            "--room",
            ROOM,
            "--template",
            str(ROOT / "firmware_configs" / f"{ROOM}.yaml"),
            "--out-dir",
            str(tmp_path / "terminal"),
        )
        device = made["device_id"]
        assert (made["room_id"], made["credential"]) == (ROOM, "password")
        assert made["broker"] == {"host": "localhost", "port": secured.port}
        # The terminal runs from the written file alone: broker, TLS and password included.
        terminal = spawn(
            "terminal",
            [
                "-m",
                "edge",
                "run",
                "--config",
                made["config_file"],
                "--simulate",
                "meeting_room_day",
                "--spool",
                str(tmp_path / "spool.sqlite"),
            ],
            log_dir=tmp_path,
        )

        def shown() -> dict[str, Any]:
            found: dict[str, Any] = call(hub, "GET", f"/devices/{device}", hub.admin_token)
            return found

        online = waiting.wait_for(lambda: shown()["online"] and shown(), "it to be online", 60)
        assert online["room_id"] == ROOM and online["revoked_at"] is None

        revoked = hub_command(hub, env, "devices", "revoke", device)
        assert revoked["broker_account_removed"] is True

        offline = waiting.wait_for(lambda: not shown()["online"] and shown(), "it offline", 30)
        assert offline["revoked_at"] is not None

        def refused() -> list[str]:
            lines = terminal.log_path.read_text().splitlines() if terminal.log_path else []
            return [ln for ln in lines if "broker refused the connection" in ln]

        waiting.wait_for(refused, "the terminal's reconnect to be refused", 30)
        log = terminal.log_path.read_text() if terminal.log_path else ""
        lost = log.index("lost connection to broker (Administrative action)")
        assert "Not authorized" in refused()[0]
        assert log.index(refused()[0]) > lost  # kicked first, then refused
        assert terminal.alive()  # it keeps trying, and keeps being refused
    finally:
        if terminal is not None:
            terminal.terminate()
        hub.child.terminate()
