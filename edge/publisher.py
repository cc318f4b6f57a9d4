"""Everything the terminal says over MQTT: envelopes, topics, QoS and retain flags.

Topics come only from :mod:`contract.topics` and payloads only from the
contract's models, so whatever leaves here decodes with
``contract.messages.decode``. Sequence numbers count every ledger message of
this boot from 1 without gaps; the retained status (and its Last Will) uses
``STATE_SEQ`` because it is latest-wins state outside the ledger.

Ledger messages go through a :class:`Delivery` when there is one (the on-disk spool,
``edge.delivery``): it keeps them until the hub confirms them. Status never does.
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
from contract.config_push import ConfigReportData
from contract.envelope import STATE_SEQ, Envelope
from contract.intent_data import IntentData
from contract.messages import (
    MAX_GAP_RANGES,
    HeartbeatData,
    MinutesSessionData,
    OccupancyData,
    SensorEventData,
    SeqRange,
    SpaceState,
    SpeechActivityData,
    SpoolFill,
    SpoolGapData,
    StatusData,
    TranscriptData,
)
from contract.minutes_data import MinutesData, MinutesDeletedData
from contract.update_data import UpdateReportData
from edge.occupancy import SpaceSnapshot, StateChange
from edge.sensors import SensorEvent
from edge.seqranges import SeqSpan, chunks, coalesce
from edge.spool import SpoolStats

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
    boot: str
    seq: int  # STATE_SEQ for status: not part of the ledger, never spooled


class Receipt(Protocol):
    """What a sink returns for a publish (paho's MQTTMessageInfo fits)."""

    def wait_for_publish(self, timeout: float | None = None) -> None: ...

    def is_published(self) -> bool: ...


class MessageSink(Protocol):
    def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> Receipt: ...


GapReason = Literal["spool_full", "not_in_spool"]


class Delivery(Protocol):
    """Keeps ledger messages until the hub confirms them (``edge.delivery.Deliverer``)."""

    def deliver(self, message: Outgoing) -> Receipt:
        """Spool, then publish. Called under the publisher's lock, in seq order."""
        ...

    def take_dropped(self) -> dict[str, list[int]]:
        """Seqs, by boot, the spool gave up to make room and that the hub must be told about."""
        ...

    def stats(self) -> SpoolStats: ...

    def purge_session(self, session_id: str) -> int:
        """Delete a minutes session's unconfirmed messages; how many."""
        ...


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
        self._gap_topic = topics.event_topic(
            ident.prefix, ident.room_id, ident.device_id, "spool_gap"
        )
        self._activity_topic = topics.event_topic(
            ident.prefix, ident.room_id, ident.device_id, "speech_activity"
        )
        # The speech channel: the spool classes these as speech, never dropped.
        self._transcript_topic = topics.speech_topic(
            ident.prefix, ident.room_id, ident.device_id, "transcript"
        )
        self._minutes_topic = topics.speech_topic(
            ident.prefix, ident.room_id, ident.device_id, "minutes"
        )
        self._intent_topic = topics.speech_topic(
            ident.prefix, ident.room_id, ident.device_id, "intent"
        )
        self._config_topic = topics.event_topic(
            ident.prefix, ident.room_id, ident.device_id, "config"
        )
        self._update_topic = topics.event_topic(
            ident.prefix, ident.room_id, ident.device_id, "update"
        )

    def status(self, state: Literal["online", "offline"], reason: str, ts: datetime) -> Outgoing:
        data = StatusData(
            state=state,
            reason=reason,
            software_version=self.identity.software_version,
            config_version=self.identity.config_version,
        )
        return self._message(self._status_topic, "status", data, ts, STATE_SEQ, retain=True)

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
            probability=_share(change.probability),
            band=change.band,
            band_top=change.band_top,
            band_confidence=_share(change.band_confidence),
        )
        return self._message(self._occupancy_topic, "occupancy", data, ts)

    def heartbeat(
        self,
        spaces: Iterable[SpaceSnapshot],
        uptime_s: float,
        interval_s: float,
        ts: datetime,
        spool: SpoolStats | None = None,
    ) -> Outgoing:
        """``spool``: the spool's state as the heartbeat is built; its fill goes with it."""
        data = HeartbeatData(
            uptime_s=max(0.0, uptime_s),
            interval_s=interval_s,
            spaces=[
                SpaceState(
                    space=s.space,
                    space_id=s.space_id,
                    occupied=s.occupied,
                    signals=list(s.signals),
                    probability=_share(s.probability),
                    band=s.band,
                    band_top=s.band_top,
                    band_confidence=_share(s.band_confidence),
                )
                for s in spaces
            ],
            spool=_fill(spool),
            config_version=self.identity.config_version,
        )
        # QoS 1 like the rest: a lost heartbeat would look like a dead terminal.
        return self._message(self._heartbeat_topic, "heartbeat", data, ts)

    def sensor_event(self, event: SensorEvent, ts: datetime) -> Outgoing:
        data = SensorEventData(
            sensor_id=event.sensor_id, kind=event.kind.value, active=event.active
        )
        return self._message(self._sensor_topic, "sensor", data, ts)

    def spool_gap(
        self, boot: str, spans: list[SeqSpan], reason: GapReason, ts: datetime
    ) -> Outgoing:
        """Tell the hub to stop waiting for ``boot``'s seqs in ``spans`` (at most MAX_GAP_RANGES).

        A ledger message of the current boot; ``boot`` may name an earlier one.
        """
        ranges = [SeqRange(first=first, last=last) for first, last in spans]
        data = SpoolGapData(boot=boot, ranges=ranges, reason=reason)
        return self._message(self._gap_topic, "spool_gap", data, ts)

    def transcript(self, data: TranscriptData, ts: datetime) -> Outgoing:
        return self._message(self._transcript_topic, "transcript", data, ts)

    def minutes_session(self, data: MinutesSessionData, ts: datetime) -> Outgoing:
        return self._message(self._minutes_topic, "minutes_session", data, ts)

    def minutes(self, data: MinutesData, ts: datetime) -> Outgoing:
        return self._message(self._minutes_topic, "minutes", data, ts)

    def minutes_deleted(self, data: MinutesDeletedData, ts: datetime) -> Outgoing:
        return self._message(self._minutes_topic, "minutes_deleted", data, ts)

    def intent(self, data: IntentData, ts: datetime) -> Outgoing:
        """A recognised voice command; the hub answers on ``cmd/voice``."""
        return self._message(self._intent_topic, "intent", data, ts)

    def update_report(self, data: UpdateReportData, ts: datetime) -> Outgoing:
        """A software update's progress or outcome (edge/update, docs/fleet.md)."""
        return self._message(self._update_topic, "update", data, ts)

    def config_report(self, data: ConfigReportData, ts: datetime) -> Outgoing:
        """The outcome of a pushed configuration (applied, rejected, rolled back)."""
        return self._message(self._config_topic, "config", data, ts)

    def speech_activity(self, active: bool, ts: datetime) -> Outgoing:
        data = SpeechActivityData(active=active)
        return self._message(self._activity_topic, "speech_activity", data, ts)

    def _message(
        self,
        topic: str,
        kind: str,
        data: BaseModel,
        ts: datetime,
        seq: int | None = None,
        *,
        retain: bool = False,
    ) -> Outgoing:
        envelope = Envelope(
            type=kind,
            ts=ts,
            device=self.identity.device_id,
            boot=self.identity.boot,
            seq=self._sequencer.next() if seq is None else seq,
            data=data.model_dump(mode="json"),
        )
        # QoS 1 for everything: status, ledger messages and heartbeats alike.
        return Outgoing(topic, envelope.to_json(), 1, retain, envelope.boot, envelope.seq)


def _fill(stats: SpoolStats | None) -> SpoolFill | None:
    if stats is None:
        return None
    return SpoolFill(
        pending=stats.pending,
        max_messages=stats.max_messages,
        bytes=stats.payload_bytes,
        max_bytes=stats.max_bytes,
    )


def _share(value: float | None) -> float | None:
    """A probability as sent: four decimals say all there is to say, and keep messages short."""
    return None if value is None else round(value, 4)


class Publisher:
    """Sends built messages, in sequence order, and announces online/offline status."""

    def __init__(
        self,
        builder: MessageBuilder,
        sink: MessageSink,
        clock: Clock,
        delivery: Delivery | None = None,
    ) -> None:
        self.builder = builder
        self._sink = sink
        self._clock = clock
        self.delivery = delivery
        # Building, spooling and sending under one lock keeps seq order == spool order ==
        # wire order.
        self._lock = threading.Lock()
        self._announcements = 0
        self.online_announced = threading.Event()

    def send(self, make: Callable[[], Outgoing]) -> Receipt:
        with self._lock:
            message = make()
            if self.delivery is None:
                return self._publish(message)
            receipt = self.delivery.deliver(message)
            self._report_drops()
            return receipt

    def report_gap(self, boot: str, spans: list[SeqSpan], reason: GapReason) -> None:
        """Publish ``spool_gap`` messages for ``boot``'s ``spans`` (any thread)."""
        with self._lock:
            self._send_gaps(boot, spans, reason)
            self._report_drops()

    def purge_session(self, session_id: str) -> int:
        """Delete minutes session ``session_id``'s unconfirmed messages from the spool (0
        without one). Under the send lock: nothing of it is being spooled meanwhile."""
        with self._lock:
            return 0 if self.delivery is None else self.delivery.purge_session(session_id)

    def spool_stats(self) -> SpoolStats | None:
        return None if self.delivery is None else self.delivery.stats()

    def _report_drops(self) -> None:
        # Sending a report can itself make room in a full spool: repeat until nothing is left.
        while self.delivery is not None and (dropped := self.delivery.take_dropped()):
            for boot, seqs in sorted(dropped.items()):
                self._send_gaps(boot, coalesce(seqs), "spool_full")

    def _send_gaps(self, boot: str, spans: list[SeqSpan], reason: GapReason) -> None:
        ts = self._clock.now()
        for part in chunks(spans, MAX_GAP_RANGES):
            message = self.builder.spool_gap(boot, part, reason, ts)
            if self.delivery is None:
                self._publish(message)
            else:
                self.delivery.deliver(message)
            log.warning(
                "reported %d message(s) of boot %s as given up (%s)",
                sum(last - first + 1 for first, last in part),
                boot,
                reason,
            )

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
