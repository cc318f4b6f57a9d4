"""End to end: two hub workers (``python -m hub serve``) on one PostgreSQL, one Mosquitto.

The workers share ingest through an MQTT 5 shared subscription; each serves the API. Judged
by the ledger (every ``(device, boot, seq)`` stored exactly once, whichever worker took it)
and over HTTP: both workers show the same rooms, and worker A's live stream shows a change
that worker B ingested.
"""

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from contract import topics
from devtools import waiting
from devtools.broker import RunningBroker
from devtools.processes import HubProcess, start_hub, wait_hub

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
PREFIX = "quorum"
TOKEN = "scaleout-admin-token-0123456789abcdef"
TERMINALS = {
    "hq-f1-aurora": "term-hq-f1-aurora",
    "hq-f1-borealis": "term-hq-f1-borealis",
    "hq-f2-cosmos": "term-hq-f2-cosmos",
    "hq-f2-east": "term-hq-f2-east-desks",
}
PER_DEVICE = 150


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    return waiting.wait_for(condition, what, timeout, interval=0.2)


def api(hub: HubProcess, path: str) -> Any:
    response = httpx.get(
        f"{hub.url}/api/v1{path}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    response.raise_for_status()
    return response.json()


def stored_by(hub: HubProcess) -> int:
    return int(api(hub, "/ingest/stats")["service"]["stored"])


class Fleet:
    """The four shipped terminals, published by one paho client at QoS 1."""

    def __init__(self, broker: RunningBroker) -> None:
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id="e2e-fleet", protocol=paho.MQTTv5
        )
        self.client.max_inflight_messages_set(200)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.seqs: dict[tuple[str, str], int] = {}
        self.ts = datetime.now(UTC) - timedelta(hours=1)

    def message(self, room: str, boot: str, kind: str, data: dict[str, Any]) -> None:
        device = TERMINALS[room]
        seq = self.seqs[(device, boot)] = self.seqs.get((device, boot), 0) + 1
        self.ts += timedelta(milliseconds=10)
        envelope = {
            "v": 1,
            "type": kind,
            "ts": self.ts.isoformat(),
            "device": device,
            "boot": boot,
            "seq": seq,
            "data": data,
        }
        topic = (
            topics.occupancy_topic(PREFIX, room, device)
            if kind == "occupancy"
            else topics.event_topic(PREFIX, room, device, "sensor")
        )
        info = self.client.publish(topic, orjson.dumps(envelope), qos=1)
        info.wait_for_publish(30)

    def occupancy(self, room: str, boot: str, occupied: bool) -> None:
        self.message(
            room, boot, "occupancy", {"space": "room", "space_id": room, "occupied": occupied}
        )

    def sensor(self, room: str, boot: str, active: bool) -> None:
        self.message(
            room, boot, "sensor", {"sensor_id": "pir", "kind": "pir_motion", "active": active}
        )

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Stream:
    """A worker's /api/v1/stream, read on a thread: the ``space`` events it delivers."""

    def __init__(self, hub: HubProcess) -> None:
        self.events: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=None))
        self._thread = threading.Thread(target=self._read, args=(hub,), daemon=True)
        self._thread.start()

    def _read(self, hub: HubProcess) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        try:
            with self._client.stream("GET", f"{hub.url}/api/v1/stream", headers=headers) as r:
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    event = json.loads(line.removeprefix("data:").strip())
                    if event.get("type") == "ready":
                        self.ready.set()
                    elif event.get("type") == "space":
                        self.events.append(event)
        except httpx.HTTPError:
            pass  # closed at the end of the test

    def close(self) -> None:
        self._client.close()


@pytest.fixture
def workers(
    broker: RunningBroker, tmp_path: Path, fresh_database: Any
) -> Iterator[list[HubProcess]]:
    """Two workers started at the same moment on an empty database (they take turns with
    the migration and the configuration import)."""
    url = fresh_database("postgresql", "empty")
    hubs = [
        start_hub(
            broker,
            tmp_path,
            prefix=PREFIX,
            database_url=url,
            name=name,
            admin_token=TOKEN,
            wait=False,
        )
        for name in ("worker-a", "worker-b")
    ]
    try:
        for hub in hubs:
            wait_hub(hub, 120)
        yield hubs
    finally:
        for hub in hubs:
            hub.child.terminate()


def ledger(database_url: str, boot: str) -> list[tuple[str, int]]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT device_id, seq FROM ingested_messages WHERE boot = :b"), {"b": boot}
            )
            return [(device, seq) for device, seq in rows]
    finally:
        engine.dispose()


def test_two_workers_share_ingest_and_both_serve_the_same_state(
    broker: RunningBroker, workers: list[HubProcess]
) -> None:
    a, b = workers
    fleet = Fleet(broker)
    try:
        # The API answers before the MQTT subscriptions are made: warm up until both store.
        attempt = 0

        def both_consuming() -> bool:
            nonlocal attempt
            attempt += 1
            for room in TERMINALS:
                fleet.sensor(room, f"warmup-{attempt}", True)
            return stored_by(a) > 0 and stored_by(b) > 0

        wait_for(both_consuming, 60, "both workers to store something")
        before = [stored_by(a), stored_by(b)]

        boot = "20260105T075900-e2e00001"
        for n in range(PER_DEVICE):
            for room in TERMINALS:
                if n % 3 == 0:
                    fleet.occupancy(room, boot, n % 2 == 0)
                else:
                    fleet.sensor(room, boot, n % 2 == 0)
        expected = {
            (device, seq) for device in TERMINALS.values() for seq in range(1, PER_DEVICE + 1)
        }
        rows = wait_for(
            lambda: (r := ledger(a.database_url, boot)) and len(r) >= len(expected) and r,
            60,
            "every message in the ledger",
        )
        assert len(rows) == len(set(rows)) and set(rows) == expected  # each exactly once
        gained = [stored_by(a) - before[0], stored_by(b) - before[1]]
        assert sum(gained) == len(expected) and min(gained) > 0, gained  # the group splits

        def rooms(hub: HubProcess) -> dict[str, Any]:
            return {r["id"]: r["state"] for r in api(hub, "/rooms")}

        assert rooms(a) == rooms(b)

        # Worker A's live stream shows every change, also those worker B ingested. One change
        # per room at a time (each waited for), so each is news and makes one event.
        stream = Stream(a)
        try:
            assert stream.ready.wait(30), "the stream never said ready"
            before_b = stored_by(b)
            sent: list[tuple[str, bool]] = []
            for _ in range(3):
                for room in TERMINALS:
                    occupied = not rooms(a)[room]["occupied"]
                    fleet.occupancy(room, boot, occupied)
                    sent.append((room, occupied))
                    wait_for(
                        lambda r=room, o=occupied: rooms(a)[r]["occupied"] is o,
                        30,
                        f"{room} to show the change",
                    )
            wait_for(lambda: len(stream.events) >= len(sent), 30, "every change on A's stream")
            assert [(e["room_id"], e["occupied"]) for e in stream.events] == sent
            assert stored_by(b) > before_b, "worker B ingested none of the changes"
        finally:
            stream.close()
        assert rooms(a) == rooms(b)
    finally:
        fleet.close()
