"""A running hub (the real app: ingest and the Home Assistant bridge) on a test's Mosquitto,
a recorder playing Home Assistant's side of MQTT, and terminal messages as on the wire."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as paho
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion

from common.clock import FakeClock
from contract import topics
from devtools import waiting
from devtools.broker import RunningBroker
from hub.app import create_app
from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
FIRMWARE_CONFIGS = ROOT / "firmware_configs"
NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
DEADLINE_S = 60.0
ROOMS = ("hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos", "hq-f2-east")
DEVICE_OF_ROOM = {
    "hq-f1-aurora": "term-hq-f1-aurora",
    "hq-f1-borealis": "term-hq-f1-borealis",
    "hq-f2-cosmos": "term-hq-f2-cosmos",
    "hq-f2-east": "term-hq-f2-east-desks",
}


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    return waiting.wait_for(condition, what, DEADLINE_S)


@dataclass(frozen=True)
class Seen:
    topic: str
    payload: bytes
    retained: bool

    def json(self) -> Any:
        return orjson.loads(self.payload)


class Recorder:
    """A plain paho client: subscribes (again after a reconnect) and records in order."""

    def __init__(self, broker: RunningBroker, name: str, filters: list[str]) -> None:
        self._filters = filters
        self._lock = threading.Lock()
        self._seen: list[Seen] = []
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=paho.MQTTv5)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_connect(self, client: paho.Client, *_: Any) -> None:
        for topic_filter in self._filters:
            client.subscribe(topic_filter, qos=1)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self._seen.append(Seen(message.topic, bytes(message.payload), bool(message.retain)))

    @property
    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()

    def latest(self, topic: str) -> Seen | None:
        found = [s for s in self.seen if s.topic == topic]
        return found[-1] if found else None

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout=DEADLINE_S)
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def hub_settings(tmp_path: Path, broker: RunningBroker, prefix: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'hub.db'}",
        "configs_dir": FIRMWARE_CONFIGS,
        "mqtt_host": broker.host,
        "mqtt_port": broker.port,
        "mqtt_protocol": "5",
        "mqtt_prefix": prefix,
        "ingest_enabled": True,
        "ingest_batch_delay_s": 0.01,
        "checkin_enabled": False,
        "alerts_enabled": False,
        "reports_enabled": False,
        "homeassistant_enabled": True,
        "bootstrap_token": "admin-test-token-0123456789",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextmanager
def running_hub(settings: Settings, clock: FakeClock | None = None) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock or FakeClock(NOW))) as client:
        yield client


@dataclass
class Terminal:
    """One terminal's messages as it would publish them (sequenced, in the contract)."""

    room: str
    prefix: str
    boot: str = "20260106T115900-aaaa0001"
    seq: int = 0

    @property
    def device(self) -> str:
        return DEVICE_OF_ROOM[self.room]

    def _envelope(self, type_: str, data: dict[str, Any], seq: int, ts: datetime) -> bytes:
        return orjson.dumps(
            {
                "v": 1,
                "type": type_,
                "ts": ts.isoformat(),
                "device": self.device,
                "boot": self.boot,
                "seq": seq,
                "data": data,
            }
        )

    def status(self, state: str) -> tuple[str, bytes]:
        data = {"state": state, "reason": "start", "software_version": "0.1.0"}
        topic = topics.status_topic(self.prefix, self.room, self.device)
        return topic, self._envelope("status", data, 0, NOW - timedelta(minutes=1))

    def occupancy(
        self, occupied: bool, *, band: int | None = None, ts: datetime | None = None
    ) -> tuple[str, bytes]:
        self.seq += 1
        data: dict[str, Any] = {
            "space": "room",
            "space_id": self.room,
            "occupied": occupied,
            "signals": ["radar-count"],
        }
        if band is not None:
            data.update(probability=0.97, band=band, band_top=3, band_confidence=0.8)
        topic = topics.occupancy_topic(self.prefix, self.room, self.device)
        when = ts or NOW - timedelta(seconds=30) + timedelta(seconds=self.seq)
        return topic, self._envelope("occupancy", data, self.seq, when)

    def heartbeat(self, spool: dict[str, int], *, ts: datetime) -> tuple[str, bytes]:
        self.seq += 1
        data = {
            "uptime_s": 60.0,
            "interval_s": 60.0,
            "spaces": [{"space": "room", "space_id": self.room, "occupied": False}],
            "spool": spool,
        }
        topic = topics.heartbeat_topic(self.prefix, self.room, self.device)
        return topic, self._envelope("heartbeat", data, self.seq, ts)
