"""Helpers for ingest tests against a real Mosquitto: a publisher, a command listener,
realistic traffic, and waiting for a condition (never for a time)."""

import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho
from ingest_builders import BOOT_1, Raw, Terminal
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.orm import Session, sessionmaker

from contract import topics
from contract.commands import AckCommand, ReplayCommand, SpoolCommand, decode_command
from devtools import waiting
from devtools.broker import RunningBroker
from hub.ingest import IngestService
from hub.live import LiveFeed

DEADLINE_S = 60.0
Factory = sessionmaker[Session]


class RecordingFeed(LiveFeed):
    """The real feed, plus a record of what ingest published to it."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []
        self._record_lock = threading.Lock()

    def publish(self, event: dict[str, Any]) -> None:
        with self._record_lock:
            self.events.append(event)
        super().publish(event)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = DEADLINE_S) -> Any:
    return waiting.wait_for(condition, what, timeout)


class Publisher:
    """A plain paho client publishing at QoS 1 and waiting for the broker's acks."""

    def __init__(self, broker: RunningBroker, name: str) -> None:
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=paho.MQTTv5)
        self.client.max_inflight_messages_set(200)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def send(self, raws: list[Raw], *, retain: bool = False) -> None:
        infos = [self.client.publish(topic, body, qos=1, retain=retain) for topic, body in raws]
        for info in infos:
            info.wait_for_publish(timeout=DEADLINE_S)
            assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def probe(prefix: str) -> Raw:
    """Retained junk on the last filter subscribed: its dead letter shows every filter is live."""
    return topics.speech_topic(prefix, "hq-f1-aurora", "term-hq-f1-aurora", "probe"), b"probe"


ServiceMaker = Callable[..., IngestService]


def start_and_wait_subscribed(
    service: IngestService, publisher: Publisher, prefix: str, probes: int = 1
) -> None:
    """Start, and wait until the retained probe arrives: then every subscription is made."""
    publisher.send([probe(prefix)], retain=True)
    service.start()
    wait_for(
        lambda: service.stats().dead_letters_by_reason.get("malformed_json", 0) >= probes,
        "the retained probe (all subscriptions made)",
    )


def terminals(prefix: str, boot: str = BOOT_1) -> list[Terminal]:
    return [
        Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=prefix, boot=boot),
        Terminal("hq-f1-borealis", "term-hq-f1-borealis", prefix=prefix, boot=boot),
        Terminal("hq-f2-cosmos", "term-hq-f2-cosmos", prefix=prefix, boot=boot),
        Terminal("hq-f2-east", "term-hq-f2-east-desks", prefix=prefix, boot=boot),
    ]


def traffic(terminal: Terminal, count: int) -> list[Raw]:
    """A realistic mix: occupancy changes (room and desks), heartbeats and sensor events."""
    desks = [f"hq-f2-e0{i}" for i in range(1, 7)] if terminal.room == "hq-f2-east" else []
    out: list[Raw] = []
    for n in range(count):
        if n % 10 == 9:
            out.append(terminal.heartbeat([("room", terminal.room, n % 20 < 10)]))
        elif n % 3 == 0:
            out.append(terminal.sensor("pir-ceiling", n % 2 == 0))
        elif desks and n % 3 == 1:
            desk = desks[(n // 3) % len(desks)]
            out.append(terminal.occupancy(n % 4 < 2, space="desk", space_id=desk))
        else:
            out.append(terminal.occupancy(n % 4 < 2))
    return out


def scalar(factory: Factory, query: Any) -> Any:
    with factory() as session:
        return session.scalar(query)


class CommandListener:
    """Plays the terminals' side of cmd/spool: records every command the hub sends."""

    def __init__(self, broker: RunningBroker, prefix: str) -> None:
        self.commands: list[tuple[str, SpoolCommand]] = []
        self._lock = threading.Lock()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id="cmd-listener", protocol=paho.MQTTv5
        )
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.subscribe(f"{prefix}/v1/rooms/+/devices/+/cmd/spool", qos=1)
        self.client.loop_start()

    def _on_message(self, client: Any, userdata: Any, message: paho.MQTTMessage) -> None:
        device = topics.parse_topic(message.topic).device
        with self._lock:
            self.commands.append((device, decode_command(message.payload)))

    def latest_ack(self, device: str, boot: str) -> int | None:
        with self._lock:
            marks = [
                c.through_seq
                for d, c in self.commands
                if d == device and isinstance(c, AckCommand) and c.boot == boot
            ]
        return marks[-1] if marks else None

    def replays(self, device: str) -> list[ReplayCommand]:
        with self._lock:
            return [c for d, c in self.commands if d == device and isinstance(c, ReplayCommand)]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
