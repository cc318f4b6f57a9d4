"""The demo's reduced mode: everything of the foundation also works on an MQTT 3.1.1 broker.

amqtt speaks only MQTT 3.1.1 (and never answers an MQTT 5 CONNECT that carries a will), so
terminal and hub must fall back from their default ``protocol: auto``.
"""

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.broker import BrokerUnavailable, RunningBroker, amqtt_broker
from devtools.processes import start_hub, start_terminal

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
AURORA = "hq-f1-aurora.yaml"


@pytest.fixture
def broker311(tmp_path: Path) -> Iterator[RunningBroker]:
    try:
        running = amqtt_broker(tmp_path / "amqtt").start()
    except BrokerUnavailable as exc:
        pytest.skip(f"amqtt is not installed: {exc}")
    try:
        yield running
    finally:
        running.kill()


def wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def test_terminal_and_hub_work_over_mqtt_311(broker311: RunningBroker, tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    text = (ROOT / "firmware_configs" / AURORA).read_text()
    (configs / AURORA).write_text(text.replace("  port: 1883\n", "  port: 1883\n  keepalive: 2s\n"))
    hub = start_hub(broker311, tmp_path / "hub", configs_dir=configs)
    terminal = start_terminal(
        configs / AURORA, broker311, tmp_path, scenario="meeting_room_day", speed=2000, start="-2h"
    )
    headers = {"Authorization": f"Bearer {hub.admin_token}"}

    def get(path: str) -> Any:
        response = httpx.get(f"{hub.url}/api/v1{path}", headers=headers, timeout=10)
        response.raise_for_status()
        return response.json()

    try:
        wait_for(lambda: get("/devices/term-hq-f1-aurora")["online"], 60, "the terminal online")
        wait_for(
            lambda: get("/rooms/hq-f1-aurora")["state"]["occupied"] is not None,
            60,
            "the room's occupancy reported",
        )
        terminal.kill()  # the Last Will works on 3.1.1 too
        offline = lambda: not get("/devices/term-hq-f1-aurora")["online"]  # noqa: E731
        wait_for(offline, 60, "the terminal offline")
        stats = get("/ingest/stats")
        assert stats["stored"]["dead_letters"] == 0 and stats["stored"]["messages"] > 0
    finally:
        terminal.kill()
        hub.child.terminate()
        shutil.rmtree(tmp_path / "hub", ignore_errors=True)
