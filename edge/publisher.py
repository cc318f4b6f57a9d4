"""Everything the terminal says over MQTT: envelopes, topics, QoS and retain flags.

Topics come only from :mod:`contract.topics` and payloads only from the
contract's models, so whatever leaves here decodes with
``contract.messages.decode``. Sequence numbers count every ledger message of
this boot from 1 without gaps; the retained status (and its Last Will) uses
``STATE_SEQ`` because it is latest-wins state outside the ledger.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel

from common.clock import Clock
from common.mqtt import Will
from contract import topics
from contract.envelope import STATE_SEQ, Envelope
from contract.messages import HeartbeatData, OccupancyData, SensorEventData, SpaceState, StatusData
from edge.occupancy import SpaceSnapshot, StateChange
from edge.sensors import SensorEvent

log = logging.getLogger(__name__)


class Sequencer:
    """Per-boot message counter: 1, 2, 3, ... (thread-safe)."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last += 1
            return self._last

    @property
    def last(self) -> int:
        return self._last


@dataclass(frozen=True)
class Identity:
    prefix: str
    room_id: str
    device_id: str
    boot: str
    software_version: str | None = None
    config_version: str | None = None


@dataclass(frozen=True)
class Outgoing:
    topic: str
    payload: bytes
    qos: int
    retain: bool


class Receipt(Protocol):
    """What a sink returns for a publish (paho's MQTTMessageInfo fits)."""

    def wait_for_publish(self, timeout: float | None = None) -> None: ...

    def is_published(self) -> bool: ...


class MessageSink(Protocol):
    def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> Receipt: ...


class MessageBuilder:
    """Builds contract messages; the caller decides when they happen (``ts``)."""

    def __init__(self, identity: Identity, sequencer: Sequencer) -> None:
        self.identity = identity
        self._sequencer = sequencer
        ident = identity
        self._status_topic = topics.status_topic(ident.prefix, ident.room_id, ident.device_id)
        self._occupancy_topic = topics.occupancy_topic(ident.prefix, ident.room_id, ident.device_id)
        self._heartbeat_topic = topics.heartbeat_topic(ident.prefix, ident.room_id, ident.device_id)
        self._sensor_topic = topics.event_topic(
            ident.prefix, ident.room_id, ident.device_id, "sensor"
        )

    def status(self, state: Literal["online", "offline"], reason: str, ts: datetime) -> Outgoing:
        data = StatusData(
            state=state,
            reason=reason,
            software_version=self.identity.software_version,
            config_version=self.identity.config_version,
        )
        return Outgoing(self._status_topic, self._envelope("status", data, ts, STATE_SEQ), 1, True)

    def will(self, ts: datetime) -> Will:
        """The retained offline status the broker sends if the terminal vanishes."""
        status = self.status("offline", "will", ts)
        return Will(status.topic, status.payload, qos=1, retain=True)

    def occupancy(
        self, change: StateChange | SpaceSnapshot, ts: datetime, *, initial: bool = False
    ) -> Outgoing:
        data = OccupancyData(
            space=change.space,
            space_id=change.space_id,
            occupied=change.occupied,
            signals=list(change.signals),
            initial=initial,
        )
        return Outgoing(self._occupancy_topic, self._envelope("occupancy", data, ts), 1, False)

    def heartbeat(
        self, spaces: Iterable[SpaceSnapshot], uptime_s: float, interval_s: float, ts: datetime
    ) -> Outgoing:
        data = HeartbeatData(
            uptime_s=max(0.0, uptime_s),
            interval_s=interval_s,
            spaces=[
                SpaceState(space=s.space, space_id=s.space_id, occupied=s.occupied) for s in spaces
            ],
        )
        # QoS 1 like the rest: a lost heartbeat would look like a dead terminal.
        return Outgoing(self._heartbeat_topic, self._envelope("heartbeat", data, ts), 1, False)

    def sensor_event(self, event: SensorEvent, ts: datetime) -> Outgoing:
        data = SensorEventData(
            sensor_id=event.sensor_id, kind=event.kind.value, active=event.active
        )
        return Outgoing(self._sensor_topic, self._envelope("sensor", data, ts), 1, False)

    def _envelope(self, kind: str, data: BaseModel, ts: datetime, seq: int | None = None) -> bytes:
        envelope = Envelope(
            type=kind,
            ts=ts,
            device=self.identity.device_id,
            boot=self.identity.boot,
            seq=self._sequencer.next() if seq is None else seq,
            data=data.model_dump(mode="json"),
        )
        return envelope.to_json()


class Publisher:
    """Sends built messages, in sequence order, and announces online/offline status."""

    def __init__(self, builder: MessageBuilder, sink: MessageSink, clock: Clock) -> None:
        self.builder = builder
        self._sink = sink
        self._clock = clock
        # Building and sending under one lock keeps seq order == wire order.
        self._lock = threading.Lock()
        self._announcements = 0
        self.online_announced = threading.Event()

    def send(self, make: Callable[[], Outgoing]) -> Receipt:
        with self._lock:
            return self._publish(make())

    def _publish(self, message: Outgoing) -> Receipt:
        return self._sink.publish(
            message.topic, message.payload, qos=message.qos, retain=message.retain
        )

    def announce_online(self) -> None:
        """Run after every (re)connect: the retained status may have been lost with the broker."""
        reason = "start" if self._announcements == 0 else "reconnect"
        self._announcements += 1
        # Status is seq 0, outside the ledger, so it skips the sequence lock: this runs in
        # paho's network thread, which must never wait for the agent's thread.
        self._publish(self.builder.status("online", reason, self._clock.now()))
        self.online_announced.set()
        log.info("announced status online (%s)", reason)

    def announce_offline(self, reason: str, timeout_s: float) -> bool:
        """Publish the retained offline status and wait (bounded) for the broker's ack."""
        receipt = self._publish(self.builder.status("offline", reason, self._clock.now()))
        try:
            receipt.wait_for_publish(timeout_s)
        except (RuntimeError, ValueError) as exc:  # paho: not connected, or queue full
            log.warning("offline status not delivered: %s", exc)
            return False
        return receipt.is_published()
