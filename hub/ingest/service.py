"""The hub's MQTT consumer: a thin paho callback, a queue, and one writer thread.

Why this shape:
- paho runs ``on_message`` on its network thread; anything slow there stalls
  the connection. So the callback only stamps the receipt time and enqueues
  the raw bytes.
- A message is acknowledged to the broker only after its batch is committed
  (paho ``manual_ack``): a hub killed before the commit leaves it
  unacknowledged. While the database is slow or down nothing is acknowledged,
  so the broker stops sending once ``receive_maximum`` messages are
  outstanding: backpressure, with the terminals' spools holding the rest.
- After each commit the hub publishes, per terminal boot it touched, the
  contiguous watermark of what it has stored (at most one ack per boot per
  0.5 s), and asks for a replay of holes that stay open
  (hub/ingest/watermarks.py, replays.py). A stream this worker cannot settle
  from its own memory (several workers: the others hold some of its seqs) waits
  until its ack is due and is then settled with the others in one transaction.
- Committing one transaction per batch (up to ``batch_size`` messages, or
  whatever arrived within ``batch_delay_s``) is what lets SQLite keep up with
  thousands of messages per second; decoding happens on the writer thread.
- A database that is locked or down never costs a batch: the same batch is
  retried with back-off. A batch the database rejects for a data reason (an
  IntegrityError from a race with another worker) is split and applied one
  message at a time, so one bad message never loses the rest.
- Live events are published only after their batch is committed, so the API
  never shows a state the database does not have.
- Several hub processes ("workers") can share the ingest (docs/scaling.md): the
  terminals' messages come through an MQTT 5 shared subscription
  (``$share/<share_group>/...``), so each goes to one worker. Status messages
  are the exception: every worker subscribes to them directly, because a shared
  subscription gets no retained messages under the MQTT 5 rules, and a worker
  that starts must learn every terminal's retained status; applying a status is
  idempotent (latest wins, the device row is locked). Live events go to this
  worker's own feed and, on the hub-internal topic ``<prefix>/v1/hub/live``, to
  every other worker's (hub.live.LiveBus), so any worker's SSE stream shows every
  change.
"""

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import paho.mqtt.client as paho
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from common.mqtt import BrokerAddress, MqttConnection
from contract.commands import SPOOL_TARGET, AckCommand, ReplayCommand, encode_command
from contract.topics import all_terminal_messages, command_topic
from hub.checkin.policy import CheckInPolicy
from hub.ingest.acks import AckThrottle
from hub.ingest.apply import (
    HUB_ERROR,
    BatchResult,
    Received,
    Rejected,
    apply_batch,
    is_stored,
    store_dead_letter,
)
from hub.ingest.ratelog import RateLimitedLog
from hub.ingest.replays import sweep
from hub.ingest.stats import IngestStats, StatsTally
from hub.ingest.watermark_types import (
    Advanced,
    MarkCache,
    OutgoingCommand,
    ReplayPolicy,
    StreamKey,
    StreamTouch,
    merge_touches,
)
from hub.ingest.watermarks import settle_deferred
from hub.live import LiveBus, LiveFeed
from hub.metrics.ingest import IngestMetrics
from hub.voice.runner import carry_out, carry_out_pending

log = logging.getLogger(__name__)

# Errors that say "the database is not available right now", not "this data is bad".
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
RETRY_FIRST_DELAY_S = 0.1
RETRY_MAX_DELAY_S = 5.0
# stop() waits this long for the queue to drain before giving up on an unavailable database.
STOP_DRAIN_TIMEOUT_S = 30.0
# How often the writer, when idle, looks for holes on quiet streams and sends held-back acks.
SWEEP_INTERVAL_S = 1.0
IDLE_TICK_S = 0.25
# Unacknowledged QoS 1 messages the broker may send at once (MQTT 5 Receive Maximum). It
# must cover what arrives during one batch's commit, and it bounds the hub's queue.
RECEIVE_MAXIMUM = 5000

T = TypeVar("T")


class _Abandoned(Exception):
    """stop() gave up waiting for the database."""


class IngestService:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        broker: BrokerAddress,
        prefix: str,
        client_id: str,
        live: LiveFeed,
        clock: Clock,
        batch_size: int = 500,
        batch_delay_s: float = 0.05,
        replay_policy: ReplayPolicy | None = None,
        receive_maximum: int = RECEIVE_MAXIMUM,
        share_group: str | None = None,
        voice_policy: CheckInPolicy | None = None,
        metrics: IngestMetrics | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._session_factory = session_factory
        self._live = live
        self._clock = clock
        self._batch_size = batch_size
        self._batch_delay_s = batch_delay_s
        self._prefix = prefix
        self._metrics = metrics  # /metrics counters (hub/metrics), None: not counted
        # Voice commands check in and release like the bookings loop does (hub/voice/).
        self._voice_policy = voice_policy or CheckInPolicy()
        # Replays come as bursts; several terminals' at once must fit the receive window.
        self._replay_policy = replay_policy or ReplayPolicy(
            max_per_request=max(10, receive_maximum // 8)
        )
        self._marks = MarkCache()
        self._acks = AckThrottle(clock)
        # Streams whose watermark waits until their next ack is due (watermarks.advance).
        self._deferred: dict[StreamKey, StreamTouch] = {}
        self._last_sweep = clock.monotonic()
        # None is the writer's wake-up call from stop().
        self._queue: queue.SimpleQueue[Received | None] = queue.SimpleQueue()
        self._tally = StatsTally()
        self._ratelog = RateLimitedLog(log, clock)
        self._lifecycle = threading.Lock()
        self._started = self._stopped = False
        self._abandon = threading.Event()
        self._writer = threading.Thread(target=self._run_writer, name="ingest-writer", daemon=True)
        # Clean session: shared subscriptions (issue 3) want it, and MqttConnection sets no
        # MQTT 5 session expiry, so a persistent session would end at disconnect anyway. What
        # is published while the hub is away is the terminal spool's job (issue 3).
        self._mqtt = MqttConnection(
            broker,
            client_id,
            on_message=self._on_message,
            manual_ack=True,
            receive_maximum=receive_maximum,
        )
        self.worker_id = client_id  # the MQTT client id: names this worker
        self._filters = all_terminal_messages(prefix)
        for topic_filter in self._filters:
            # Status: every worker, not shared (retained messages; see the module docstring).
            group = None if topic_filter.endswith("/status") else share_group
            self._mqtt.subscribe(topic_filter, qos=1, share_group=group)
        # Live events from the other workers; only when workers share the ingest.
        self._bus = LiveBus(prefix, client_id, live) if share_group else None
        if self._bus is not None:
            self._mqtt.subscribe(self._bus.topic, qos=0, no_local=True)

    # -- public interface --------------------------------------------------------

    def start(self) -> None:
        """Connect in the background and start the writer; returns at once."""
        with self._lifecycle:
            if self._started or self._stopped:
                return
            self._started = True
        self._writer.start()
        self._mqtt.start()

    def stop(self) -> None:
        """Stop consuming, commit everything already received, disconnect. Idempotent."""
        with self._lifecycle:
            if self._stopped:
                return
            self._stopped = True
            started = self._started
        if not started:
            return
        # Stop the flow, then commit and acknowledge what arrived, then disconnect: what is
        # still unacknowledged at the disconnect is re-sent by the terminals' spools.
        for topic_filter in self._filters:
            self._mqtt.unsubscribe(topic_filter)
        self._queue.put(None)
        self._writer.join(STOP_DRAIN_TIMEOUT_S)
        if self._writer.is_alive():
            log.error(
                "database still unavailable after %.0f s; giving up on %d queued messages",
                STOP_DRAIN_TIMEOUT_S,
                self._queue.qsize(),
            )
            self._abandon.set()
            self._writer.join(RETRY_MAX_DELAY_S * 2)
        self._mqtt.stop()

    def stats(self) -> IngestStats:
        return self._tally.snapshot(queue_depth=self._queue.qsize(), connected=self.connected)

    @property
    def connected(self) -> bool:
        return self._mqtt.connected

    def health(self) -> str | None:
        """None while the writer thread runs (or before start / after stop); else why not.

        Read by the systemd watchdog (hub/systemd_watchdog.py). A broker that is down is not
        a fault here: the connection comes back by itself, a restart would not help.
        """
        with self._lifecycle:
            running = self._started and not self._stopped
        if running and not self._writer.is_alive():
            return "the ingest writer thread has stopped"
        return None

    def publish_command(self, room_id: str, device_id: str, target: str, payload: bytes) -> bool:
        """Send a command to one terminal (``cmd/<target>``, QoS 1, never retained).

        False when the hub is not connected to the broker: the caller says so, rather than
        have paho hold the command in memory and deliver it at some later, surprising time.
        """
        if not self._mqtt.connected:
            return False
        topic = command_topic(self._prefix, room_id, device_id, target)
        return self._mqtt.publish(topic, payload, qos=1).rc == paho.MQTT_ERR_SUCCESS

    # -- paho's network thread ---------------------------------------------------

    def _on_message(self, message: paho.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:  # brokers should refuse these; dead-letter it if one does not
            topic = "<topic is not valid UTF-8>"
        if self._bus is not None and topic == self._bus.topic:
            self._bus.receive(bytes(message.payload))  # another worker's live events: not ingest
            return
        self._tally.count_received()
        now = self._clock.now()
        tag = self._mqtt.delivery_tag(message)
        self._queue.put(
            Received(topic, bytes(message.payload), now, retained=bool(message.retain), tag=tag)
        )

    # -- writer thread -----------------------------------------------------------

    def _run_writer(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._next_batch()
            if not batch:
                continue
            try:
                self._commit(batch)
            except _Abandoned:
                log.error(
                    "abandoned a batch of %d messages: the database stayed unavailable", len(batch)
                )
                return
            except Exception:  # the writer must outlive any bug; the batch is logged, not kept
                log.exception("ingest failed on a batch of %d messages", len(batch))
        # Before stop() disconnects: the last watermarks, so terminals can empty their spools.
        with contextlib.suppress(_Abandoned):
            self._settle_due(everything=True)
        self._send_commands(self._acks.due(everything=True))

    def _next_batch(self) -> tuple[list[Received], bool]:
        """Block for one message, then take what else arrives within the batch delay."""
        while True:
            try:
                first = self._queue.get(timeout=IDLE_TICK_S)
                break
            except queue.Empty:
                self._idle()
        if first is None:
            return self._drain_now(), True
        batch = [first]
        deadline = time.monotonic() + self._batch_delay_s  # plumbing timeout, not logic time
        while len(batch) < self._batch_size:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if item is None:
                return batch + self._drain_now(), True
            batch.append(item)
        return batch, False

    def _drain_now(self) -> list[Received]:
        items: list[Received] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items
            if item is not None:
                items.append(item)

    def _commit(self, batch: list[Received]) -> None:
        # The drain after stop() may exceed batch_size; keep transactions bounded.
        for start in range(0, len(batch), self._batch_size):
            chunk = batch[start : start + self._batch_size]
            result = self._retrying(partial(self._apply_whole, chunk))
            if result is not None:
                self._after_commit(result, chunk)
                continue
            for item in chunk:
                self._after_commit(self._retrying(partial(self._apply_single, item)), [item])

    def _idle(self) -> None:
        self._settle_due()
        self._send_commands(self._acks.due())
        if self._clock.monotonic() - self._last_sweep >= SWEEP_INTERVAL_S:
            self._last_sweep = self._clock.monotonic()
            self._sweep()

    def _sweep(self) -> None:
        """Ask for holes on streams that went quiet; skipped while the database is down."""
        try:
            with self._session_factory() as session, session.begin():
                commands = sweep(session, self._clock.now(), self._replay_policy)
        except Exception as exc:  # the next idle second tries again
            self._ratelog.warning("sweep", "gap sweep failed: %s", str(exc)[:200])
            return
        self._send_commands(commands)
        self._carry_out_voice(None)

    def _carry_out_voice(self, ids: list[int] | None) -> None:
        """Carry out voice commands just committed (``ids``), or those a stopped hub left
        pending (None); replies go out through :meth:`publish_command`."""
        try:
            if ids is None:
                carry_out_pending(
                    self._session_factory,
                    now=self._clock.now(),
                    policy=self._voice_policy,
                    send=self.publish_command,
                )
            else:
                carry_out(
                    self._session_factory,
                    ids,
                    now=self._clock.now(),
                    policy=self._voice_policy,
                    send=self.publish_command,
                )
        except Exception as exc:  # left pending: the sweep tries again
            self._ratelog.warning("voice", "voice commands not carried out: %s", str(exc)[:200])

    def _apply_whole(self, batch: list[Received]) -> BatchResult | None:
        """One transaction for the batch; None if the data (not the database) was the problem."""
        try:
            with self._session_factory() as session, session.begin():
                return apply_batch(
                    session, batch, self._clock, self._replay_policy, self._marks, self._defer
                )
        except TRANSIENT_DB_ERRORS:
            raise
        except Exception as exc:
            log.warning(
                "batch of %d rejected by the database (%s); applying one by one",
                len(batch),
                type(exc).__name__,
            )
            return None

    def _apply_single(self, item: Received) -> BatchResult:
        try:
            with self._session_factory() as session, session.begin():
                return apply_batch(
                    session, [item], self._clock, self._replay_policy, self._marks, self._defer
                )
        except TRANSIENT_DB_ERRORS:
            raise
        except IntegrityError as exc:
            with self._session_factory() as session:
                if is_stored(session, item):  # another worker stored it first
                    return BatchResult(duplicates=1)
            return self._hub_error(item, exc)
        except Exception as exc:
            log.exception("ingest failed on a message on %s", item.topic)
            return self._hub_error(item, exc)

    def _hub_error(self, item: Received, exc: Exception) -> BatchResult:
        """Keep a message the hub failed on as a dead letter, so it can be replayed after a fix."""
        detail = f"{type(exc).__name__}: {exc}"[:2000]
        try:
            with self._session_factory() as session, session.begin():
                rejected = store_dead_letter(session, item, HUB_ERROR, detail)
        except TRANSIENT_DB_ERRORS:
            raise
        except Exception:  # not even storable: the log is all that is left of it
            log.exception("could not keep a message on %s as a dead letter", item.topic)
            rejected = Rejected(topic=item.topic, reason=HUB_ERROR, detail=detail)
        return BatchResult(dead=[rejected])

    def _defer(self, key: StreamKey) -> bool:
        """Leave a stream's watermark for later while its next ack could not go out anyway."""
        return not self._acks.is_due(key)

    def _settle_due(self, *, everything: bool = False) -> None:
        """Settle the deferred streams whose ack is due, in one transaction for all of them."""
        due = {k: t for k, t in self._deferred.items() if everything or self._acks.is_due(k)}
        if not due:
            return
        for key in due:
            del self._deferred[key]
        try:
            settled = self._retrying(partial(self._settle, due))
        except _Abandoned:
            raise
        except Exception:  # the terminals re-send, and the sweep finds holes, so none is lost
            log.exception("settling %d streams' watermarks failed", len(due))
            return
        self._publish_marks(settled)

    def _settle(self, due: dict[StreamKey, StreamTouch]) -> Advanced:
        with self._session_factory() as session, session.begin():
            return settle_deferred(session, due, self._clock.now(), self._replay_policy)

    def _publish_marks(self, advanced: Advanced | BatchResult) -> None:
        """After the commit that moved them: cache the watermarks, queue acks, ask replays."""
        self._marks.update(advanced.marks)
        for out in advanced.commands:
            if isinstance(out.command, AckCommand):
                self._acks.offer(out)
            else:
                self._send_commands([out])
        self._send_commands(self._acks.due())

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` until the database lets it through (or stop() gives up)."""
        delay = RETRY_FIRST_DELAY_S
        while True:
            try:
                return attempt()
            except TRANSIENT_DB_ERRORS as exc:
                if self._abandon.is_set():
                    raise _Abandoned from exc
                self._ratelog.warning(
                    "db-unavailable",
                    "database unavailable (%s); retrying in %.1f s",
                    str(getattr(exc, "orig", None) or exc)[:200],
                    delay,
                )
                self._abandon.wait(delay)
                delay = min(delay * 2, RETRY_MAX_DELAY_S)

    def _after_commit(self, result: BatchResult, committed: list[Received]) -> None:
        for item in committed:
            if item.tag is not None:
                self._mqtt.ack(item.tag)
        merge_touches(self._deferred, result.deferred)
        self._publish_marks(result)
        self._settle_due()
        if result.voice:
            self._carry_out_voice(result.voice)
        self._tally.count_committed(
            stored=result.stored,
            duplicates=result.duplicates,
            dead=result.dead_by_reason(),
            at=self._clock.now(),
        )
        if self._metrics is not None:
            self._metrics.committed(
                stored_by_type=result.stored_by_type,
                duplicates=result.duplicates,
                dead_by_reason=result.dead_by_reason(),
                lags_s=result.lags_s,
            )
        for rejected in result.dead:
            self._ratelog.warning(
                f"dead:{rejected.reason}",
                "dead letter (%s) on %s: %s",
                rejected.reason,
                rejected.topic,
                rejected.detail[:300],
            )
        for event in result.events:
            try:
                self._live.publish(event)
            except Exception:  # a broken listener must not stop ingest
                log.exception("live feed rejected an event")
        if self._bus is not None and result.events:
            self._mqtt.publish(self._bus.topic, self._bus.encode(result.events), qos=0)

    def _send_commands(self, commands: list[OutgoingCommand]) -> None:
        """Acks and replay requests to terminals; QoS 1, but losing one is harmless."""
        for out in commands:
            topic = command_topic(self._prefix, out.room_id, out.device_id, SPOOL_TARGET)
            self._mqtt.publish(topic, encode_command(out.command, self._clock.now()), qos=1)
            if isinstance(out.command, ReplayCommand):
                self._tally.count_replay_requested()
