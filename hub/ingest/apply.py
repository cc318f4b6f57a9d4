"""What one batch of raw MQTT messages does to the database. Pure logic over a Session.

The caller owns the transaction: :func:`apply_batch` adds and flushes rows but
never commits, so the service can commit a whole batch at once (throughput)
and retry or split it on errors. Nothing here raises for bad *input*: every
message is either stored, counted as a duplicate, or turned into a dead
letter. Database errors do propagate, for the caller to handle.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from common.clock import Clock
from common.mqtt import DeliveryTag
from contract.config_push import ConfigReportData
from contract.envelope import STATE_SEQ
from contract.messages import (
    ContractError,
    HeartbeatData,
    Message,
    OccupancyData,
    Reason,
    SensorEventData,
    SpaceState,
    SpeechActivityData,
    SpoolGapData,
    StatusData,
    decode,
)
from hub.configs.reports import Report as ConfigReport
from hub.configs.reports import record_reports
from hub.db.models import DeadLetter, OccupancyChange, SensorEvent
from hub.ingest.devices import (
    apply_status,
    load_devices,
    note_seen,
    note_spool_fill,
    write_devices,
)
from hub.ingest.ledger import LedgerKey, insert_new, ledger_key, stored_keys
from hub.ingest.org import OrgView, spaces_named
from hub.ingest.spaces import Estimate, SpaceBook
from hub.ingest.speech import SpeechBook
from hub.ingest.watermarks import (
    MarkCache,
    OutgoingCommand,
    ReplayPolicy,
    StreamKey,
    StreamMark,
    StreamTouch,
    advance,
)
from hub.releases.reports import UpdateBook
from hub.sealing.dead_letters import dead_letter_scope

# A message that made the hub itself fail (a bug): kept so it can be replayed after a fix.
HUB_ERROR = "hub_error"
# Oversized payloads are kept up to this size: a dead-letter table must not become a DoS vector.
MAX_DEAD_LETTER_BYTES = 1024 * 1024

# The sensor id a speech_activity flag is stored under in sensor_events.
SPEECH_ACTIVITY_SENSOR = "microphone"

# Core tables for executemany inserts: about twice as fast as the ORM's bulk insert here.
_OCCUPANCY = cast(Table, OccupancyChange.__table__)
_SENSORS = cast(Table, SensorEvent.__table__)


@dataclass(frozen=True)
class Received:
    """One message as the paho callback saw it."""

    topic: str
    payload: bytes
    received_at: datetime  # hub clock
    # Delivered from the broker's retained store on (re)subscribing: state, but not news.
    retained: bool = False
    # For the broker acknowledgement, sent only after the message's batch is committed.
    tag: DeliveryTag | None = None


@dataclass(frozen=True)
class Rejected:
    topic: str
    reason: str
    detail: str


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: int = 0
    dead: list[Rejected] = field(default_factory=list)
    # Live events to publish once (and only if) the batch is committed.
    events: list[dict[str, Any]] = field(default_factory=list)
    # Acks and replay requests for terminals, to publish once the batch is committed.
    commands: list[OutgoingCommand] = field(default_factory=list)
    # Watermarks as committed, for the writer's MarkCache.
    marks: dict[StreamKey, StreamMark] = field(default_factory=dict)
    # Streams whose watermark is left for a later settle (watermarks.settle_deferred).
    deferred: dict[StreamKey, StreamTouch] = field(default_factory=dict)
    # Voice commands stored by the batch, to carry out once (and only if) it is committed.
    voice: list[int] = field(default_factory=list)
    # For /metrics (hub/metrics): what was stored, by message type, and for each sequenced
    # message stored, hub receipt time minus its event time (seconds; the device's clock).
    stored_by_type: Counter[str] = field(default_factory=Counter)
    lags_s: list[float] = field(default_factory=list)

    def dead_by_reason(self) -> Counter[str]:
        return Counter(r.reason for r in self.dead)


def apply_batch(
    session: Session,
    items: Sequence[Received],
    clock: Clock,
    replay_policy: ReplayPolicy = ReplayPolicy(),
    marks: MarkCache | None = None,
    defer: Callable[[StreamKey], bool] | None = None,
) -> BatchResult:
    result = BatchResult()
    org, accepted = _screen(session, items, result)
    sequenced = [(item, m) for item, m in accepted if not isinstance(m.data, StatusData)]
    spaces = SpaceBook(session, (k for _, m in sequenced for k in spaces_named(m)))
    now = clock.now()  # stored_at: the commit follows within the same call of the service
    ledger: dict[LedgerKey, dict[str, Any]] = {}
    for item, message in sequenced:
        env = message.envelope
        # setdefault: the first of several copies within the batch is the one stored.
        ledger.setdefault(
            ledger_key(message),
            {
                "device_id": env.device,
                "boot": env.boot,
                "seq": env.seq,
                "type": env.type,
                "ts": env.ts,
                "received_at": item.received_at,
                "stored_at": now,
            },
        )
    new_keys = insert_new(session, list(ledger.values()))

    rows: dict[Table, list[dict[str, Any]]] = {_OCCUPANCY: [], _SENSORS: []}
    speech = SpeechBook()
    updates = UpdateBook()  # software update reports (hub/releases)
    config_reports: list[ConfigReport] = []  # answers to pushed configurations (hub/configs)
    status_changes: list[dict[str, Any]] = []
    touched: dict[StreamKey, StreamTouch] = {}
    for item, message in accepted:  # in arrival order: status and state changes are ordered
        env = message.envelope
        device = org.devices[env.device]
        if isinstance(message.data, StatusData):
            outcome = apply_status(
                device, env.boot, message.data, item.received_at, retained=item.retained
            )
            if not outcome.applied:
                result.duplicates += 1  # superseded by a newer boot
                continue
            if outcome.change is not None:
                status_changes.append(outcome.change)
            if outcome.event is not None:
                result.events.append(outcome.event)
            result.stored += 1
            result.stored_by_type[env.type] += 1
            continue
        note_seen(device, item.received_at, env.boot, env.ts)
        # Duplicates touch their stream too: a re-sent message means the ack was not heard.
        touch = touched.setdefault((env.device, env.boot), StreamTouch(room_id=message.room))
        touch.highest_seq = max(touch.highest_seq, env.seq)
        key = ledger_key(message)
        if key not in new_keys:
            result.duplicates += 1  # stored before, or an earlier copy in this batch was
            continue
        new_keys.discard(key)
        touch.new_seqs.append(env.seq)
        result.stored += 1
        result.stored_by_type[env.type] += 1
        result.lags_s.append((item.received_at - env.ts).total_seconds())
        if isinstance(message.data, SpoolGapData):
            gap = message.data
            gap_touch = touched.setdefault((env.device, gap.boot), StreamTouch(message.room))
            reason = _no_nul(gap.reason)
            gap_touch.given_up.extend((r.first, r.last, reason) for r in gap.ranges)
        if isinstance(message.data, HeartbeatData) and message.data.spool is not None:
            note_spool_fill(device, message.data.spool, env.ts)
        speech.add(message, item.received_at)
        updates.add(message)
        if isinstance(message.data, ConfigReportData):
            config_reports.append((env.device, env.ts, item.received_at, message.data))
        result.events.extend(_apply_sequenced(message, spaces, rows, now))
    for table, table_rows in rows.items():
        if table_rows:
            session.execute(insert(table), table_rows)
    speech.write(session)
    updates.write(session, now)
    record_reports(session, config_reports)
    result.voice = speech.voice_ids
    write_devices(session, org.devices.values(), status_changes)
    result.events.extend(spaces.write(session))
    advanced = advance(session, touched, now, replay_policy, marks, defer)
    result.commands, result.marks = advanced.commands, advanced.marks
    result.deferred = advanced.deferred
    session.flush()  # dead letters are ORM objects
    return result


def _screen(
    session: Session, items: Sequence[Received], result: BatchResult
) -> tuple[OrgView, list[tuple[Received, Message]]]:
    """Decode and check against the organisation; dead-letter what fails either."""
    decoded: list[tuple[Received, Message]] = []
    for item in items:
        try:
            decoded.append((item, _decode(item)))
        except ContractError as exc:
            _dead(session, result, item, exc.reason.value, exc.detail)
    devices = load_devices(session, (m.envelope.device for _, m in decoded), lock=True)
    org = OrgView.load(session, (m for _, m in decoded), devices)
    accepted: list[tuple[Received, Message]] = []
    for item, message in decoded:
        problem = org.check(message)
        if problem is None:
            accepted.append((item, message))
        else:
            _dead(session, result, item, problem[0].value, problem[1])
    return org, accepted


def _apply_sequenced(
    message: Message, spaces: SpaceBook, rows: dict[Table, list[dict[str, Any]]], now: datetime
) -> list[dict[str, Any]]:
    """Type-specific effects of a newly stored message; returns its live events."""
    env, data, room = message.envelope, message.data, message.room
    events: list[dict[str, Any] | None] = []
    if isinstance(data, OccupancyData):
        rows[_OCCUPANCY].append(
            {
                "space_kind": data.space,
                "space_id": data.space_id,
                "occupied": data.occupied,
                "ts": env.ts,
                "device_id": env.device,
                "boot": env.boot,
                "seq": env.seq,
                "initial": data.initial,
                "signals": list(data.signals),
                "probability": data.probability,
                "band": data.band,
                "band_top": data.band_top,
                "band_confidence": data.band_confidence,
            }
        )
        estimate = _estimate(data, env.ts)
        key = (data.space, data.space_id)
        events.append(spaces.apply_change(key, data.occupied, env.ts, room, now, estimate))
    elif isinstance(data, HeartbeatData):
        events.extend(
            spaces.init_from_snapshot(
                (s.space, s.space_id), s.occupied, env.ts, room, now, _estimate(s, env.ts)
            )
            for s in data.spaces
        )
    elif isinstance(data, SensorEventData):
        rows[_SENSORS].append(
            {
                "device_id": env.device,
                "sensor_id": data.sensor_id,
                "kind": _no_nul(data.kind)[:32],  # free text: PostgreSQL refuses NUL
                "active": data.active,
                "ts": env.ts,
            }
        )
    elif isinstance(data, SpeechActivityData):
        # A flag like a sensor's (never audio), kept with the sensor events for fusion.
        rows[_SENSORS].append(
            {
                "device_id": env.device,
                "sensor_id": SPEECH_ACTIVITY_SENSOR,
                "kind": "speech_activity",
                "active": data.active,
                "ts": env.ts,
            }
        )
    return [event for event in events if event is not None]


def _estimate(data: OccupancyData | SpaceState, ts: datetime) -> Estimate:
    """The fused estimate a message carries (all None from a terminal without fusion)."""
    return Estimate(
        at=ts,
        probability=data.probability,
        band=data.band,
        band_top=data.band_top,
        band_confidence=data.band_confidence,
        signals=tuple(data.signals),
    )


def store_dead_letter(session: Session, item: Received, reason: str, detail: str) -> Rejected:
    """Keep a message the hub cannot use, whole (up to MAX_DEAD_LETTER_BYTES)."""
    payload = item.payload
    # Text columns: PostgreSQL refuses NUL characters, which a hostile payload's keys can carry.
    topic, detail = _no_nul(item.topic), _no_nul(detail)
    if len(payload) > MAX_DEAD_LETTER_BYTES:
        detail = f"{detail} (payload truncated to {MAX_DEAD_LETTER_BYTES} of {len(payload)} bytes)"
        payload = payload[:MAX_DEAD_LETTER_BYTES]
    session.add(
        DeadLetter(
            received_at=item.received_at,
            topic=topic,
            payload=payload,
            key_scope=dead_letter_scope(item.topic, item.payload),
            reason=reason[:32],
            detail=detail,
        )
    )
    return Rejected(topic=topic, reason=reason, detail=detail)


def _no_nul(text: str) -> str:
    return text.replace("\x00", "\\x00")


def is_stored(session: Session, item: Received) -> bool:
    """Whether ``item`` is a sequenced message already in the ledger (an IntegrityError's cause)."""
    try:
        message = _decode(item)
    except ContractError:
        return False
    return bool(stored_keys(session, [ledger_key(message)]))


def _decode(item: Received) -> Message:
    try:
        message = decode(item.topic, item.payload)
    except ContractError:
        raise
    except Exception as exc:
        # decode() promises ContractError only, but e.g. a ts like 0001-01-01T00:00+01:00
        # overflows in the envelope's UTC conversion (OverflowError). Bad input, not a hub bug.
        raise ContractError(Reason.INVALID_ENVELOPE, f"{type(exc).__name__}: {exc}") from exc
    if message.envelope.type != "status" and message.envelope.seq == STATE_SEQ:
        detail = f"seq {STATE_SEQ} is reserved for status messages"
        raise ContractError(Reason.INVALID_ENVELOPE, detail)
    return message


def _dead(session: Session, result: BatchResult, item: Received, reason: str, detail: str) -> None:
    result.dead.append(store_dead_letter(session, item, reason, detail))
