"""Between the publisher and MQTT: spool every ledger message, publish it, and publish it
again until the hub confirms it.

When a message is published again (always with its original boot and seq; the hub stores
each ``(device, boot, seq)`` once):

- at start-up: everything an earlier process left in the spool, before the first connect,
  so paho sends it right after the retained status;
- after every reconnect: what the broker acknowledged on an earlier connection and the hub
  has not confirmed (a restarted broker may have lost it). What the broker never
  acknowledged paho re-sends by itself;
- when the hub has not confirmed it ``resend_after`` after the broker's ack, doubling per
  attempt up to ``max_backoff``; or when the broker has not acknowledged it ``resend_after``
  after the (re)connect;
- when the hub asks for it (a ``replay`` command).

A message whose last copy is still waiting for the broker's ack ("in flight") is not
published again on reconnect or replay, and timed re-publishing reads a bounded batch per
pass, so a long outage ends in a steady catch-up, not a storm.

Threads: the agent calls :meth:`deliver` (under the publisher's lock); paho's network
thread calls the ``on_*`` hooks, which only record and hand work to the worker thread, so
paho never waits on SQLite or on the agent; the worker writes acks, runs hub commands and
re-publishes.
"""

import logging
import queue
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from paho.mqtt.enums import MQTTErrorCode

from edge.publisher import Outgoing, Receipt
from edge.seqranges import SeqSpan, clip, merge, subtract
from edge.spool import Backoff, Spool, SpooledMessage, SpoolStats, classify

log = logging.getLogger(__name__)

# paho queued the message: it goes out now, or on (re)connect.
_QUEUED = {MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN}
# How often an alarm is logged again while the spool stays over its bound.
_ALARM_LOG_EVERY = 100
# A worker pass not finished for this long is a hang (systemd's watchdog then restarts the
# terminal); a big re-publish after a long outage takes seconds, not minutes.
STALLED_AFTER_S = 120.0


class TrackedReceipt(Receipt, Protocol):
    """paho's MQTTMessageInfo: the message id its on_publish will name, and paho's verdict."""

    @property
    def mid(self) -> int: ...

    @property
    def rc(self) -> int: ...


class TrackingSink(Protocol):
    def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> TrackedReceipt: ...


@dataclass(frozen=True)
class DeliverySettings:
    resend_after: float = 30.0
    # None: 16 x resend_after (30 s -> 1, 2, 4, 8 min, then every 8 min).
    max_backoff: float | None = None
    # At most this many messages re-published per timed pass.
    batch: int = 500
    # How often the worker looks for due messages (seconds).
    tick: float = 1.0
    # Drops are reported to the hub at most this often (a full spool drops in batches anyway).
    report_drops_every: float = 10.0

    @property
    def backoff(self) -> Backoff:
        cap = self.max_backoff if self.max_backoff is not None else 16 * self.resend_after
        return Backoff(base=self.resend_after, cap=max(cap, self.resend_after))


class Deliverer:
    def __init__(
        self,
        sink: TrackingSink,
        spool: Spool,
        settings: DeliverySettings | None = None,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._sink = sink
        self.spool = spool
        self.settings = settings or DeliverySettings()
        self._now = now
        # One publish at a time, so a PUBACK that beats publish() back is unambiguous.
        self._send_lock = threading.Lock()
        # Guards the bookkeeping below; never held while calling into paho or SQLite.
        self._track_lock = threading.Lock()
        self._inflight: dict[int, int] = {}  # paho mid -> spool id
        self._mid_of: dict[int, int] = {}  # spool id -> paho mid of its latest copy
        self._early: set[int] = set()  # mids acked before publish() returned them
        self._publishing = False
        self._acked: list[tuple[int, float]] = []  # (spool id, when) to write
        self._dropped: defaultdict[str, list[int]] = defaultdict(list)
        self._last_drop_report = float("-inf")
        self._alarms = 0
        self.unspooled = 0  # published without the spool, because writing to it failed
        self._connected = False
        self._link_changes = 0  # connects and disconnects seen (paho's thread writes it)
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_pass = time.monotonic()

    # -- the publisher's side (agent thread) -----------------------------------

    def deliver(self, message: Outgoing) -> TrackedReceipt:
        """Commit ``message`` to the spool, then publish it."""
        cls = classify(message.topic)
        try:
            added = self.spool.add(
                boot=message.boot,
                seq=message.seq,
                topic=message.topic,
                payload=message.payload,
                qos=message.qos,
                retain=message.retain,
                cls=cls,
                due_at=self._now() + self.settings.resend_after,
            )
        except sqlite3.Error as exc:  # a full or broken disk: still try the network
            self.unspooled += 1
            log.error(
                "could not spool %s seq %d (%s): publishing it without a copy on disk",
                cls.value,
                message.seq,
                exc,
            )
            return self.publish(message.topic, message.payload, message.qos, message.retain)
        if added.dropped:
            with self._track_lock:
                for boot, seq in added.dropped:
                    self._dropped[boot].append(seq)
            log.warning("spool full: dropped %d old message(s)", len(added.dropped))
        if added.alarm:
            self._alarm(cls.value, message.seq)
        return self._publish(message.topic, message.payload, message.qos, message.retain, added.id)

    def publish(
        self, topic: str, payload: bytes, qos: int = 1, retain: bool = False
    ) -> TrackedReceipt:
        """Publish without spooling (the retained status: latest-wins state, not a ledger entry)."""
        return self._publish(topic, payload, qos, retain, None)

    def take_dropped(self) -> dict[str, list[int]]:
        with self._track_lock:
            now = self._now()
            if not self._dropped or now - self._last_drop_report < self.settings.report_drops_every:
                return {}
            dropped = dict(self._dropped)
            self._dropped.clear()
            self._last_drop_report = now
        return dropped

    def stats(self) -> SpoolStats:
        return self.spool.stats()

    # -- paho's side (network thread: record and hand over, never wait) ---------

    def on_published(self, mid: int) -> None:
        with self._track_lock:
            spool_id = self._inflight.pop(mid, None)
            if spool_id is None:
                if self._publishing:  # possibly ours, before publish() returned its mid
                    self._early.add(mid)
                return
            self._mid_of.pop(spool_id, None)
            self._acked.append((spool_id, self._now()))
        self._wake.set()

    def on_connected(self) -> None:
        # "Connected" is set by the worker, once the reconnect rules below have run.
        self._link_changes += 1
        self.call_soon(partial(self._after_connect, self._now(), self._link_changes))

    def on_disconnected(self) -> None:
        self._link_changes += 1
        self._connected = False

    # -- the hub's commands (run on the worker) --------------------------------

    def confirm(self, boot: str, through_seq: int) -> int:
        return self.spool.confirm(boot, through_seq)

    def replay(self, boot: str, spans: list[SeqSpan]) -> list[SeqSpan]:
        """Re-publish ``boot``'s ``spans`` from the spool; return the parts it does not hold.

        Seqs the hub already confirmed are not reported, nor, for a boot the spool knows,
        seqs above the highest it ever spooled (not produced yet, or never).
        """
        held = self.spool.get(boot, spans)
        self._republish(held, skip_in_flight=True)
        asked = merge(spans)
        marks = self.spool.boot_marks(boot)
        if marks is not None:
            asked = clip(asked, marks.acked_through + 1, marks.last_seq)
        return subtract(asked, [m.seq for m in held])

    def purge_session(self, session_id: str) -> int:
        """A minutes session's unconfirmed messages out of the spool (``Spool.purge_session``)."""
        return self.spool.purge_session(session_id)

    # -- the worker ------------------------------------------------------------

    def start(self) -> None:
        """Queue what earlier processes left in the spool, then start the worker thread."""
        self.resend_spooled()
        self._last_pass = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="spool-delivery", daemon=True)
        self._thread.start()

    def resend_spooled(self) -> int:
        left = self.spool.unconfirmed()
        if left:
            boots = sorted({m.boot for m in left})
            log.info(
                "re-publishing %d unconfirmed message(s) from the spool (boots %s)",
                len(left),
                ", ".join(boots),
            )
        return self._republish(left, skip_in_flight=True)

    def call_soon(self, job: Callable[[], None]) -> None:
        """Run ``job`` on the worker thread (any thread; never blocks)."""
        self._jobs.put(job)
        self._wake.set()

    def pump(self) -> None:
        """One pass of the worker: write acks, run queued jobs, re-publish what is due."""
        self._write_acks()
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            try:
                job()
            except Exception:
                log.exception("spool job failed")
        self._write_acks()
        if self._connected:
            self._resend_due()

    def in_flight(self) -> int:
        with self._track_lock:
            return len(self._inflight)

    def drain(self, timeout: float) -> bool:
        """Give in-flight messages up to ``timeout`` s for the broker's ack (when connected)."""
        deadline = time.monotonic() + timeout
        while self.in_flight() and self._connected and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.in_flight() == 0

    def stop(self) -> None:
        """Stop the worker and write the acks that arrived; the spool stays open."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            self._write_acks()
        except sqlite3.Error as exc:
            log.warning("could not record the last acks in the spool: %s", exc)

    def health(self) -> str | None:
        """None while the worker runs and finishes its passes; else what is wrong."""
        if self._thread is None or self._stopping.is_set():
            return None
        if not self._thread.is_alive():
            return "the spool delivery thread has stopped"
        stalled = time.monotonic() - self._last_pass
        if stalled > STALLED_AFTER_S:
            return f"spool delivery has not finished a pass for {stalled:.0f} s"
        return None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.settings.tick)
            self._wake.clear()
            try:
                self.pump()
            except Exception:  # a bad pass must not end delivery for good
                log.exception("spool delivery pass failed")
            self._last_pass = time.monotonic()

    # -- internals -------------------------------------------------------------

    def _publish(
        self, topic: str, payload: bytes, qos: int, retain: bool, spool_id: int | None
    ) -> TrackedReceipt:
        with self._send_lock:
            with self._track_lock:
                self._publishing = True
            receipt: TrackedReceipt | None = None
            try:
                receipt = self._sink.publish(topic, payload, qos=qos, retain=retain)
                return receipt
            finally:
                with self._track_lock:
                    self._publishing = False
                    early = receipt is not None and receipt.mid in self._early
                    self._early.clear()
                    if receipt is not None and spool_id is not None:
                        if early:
                            self._acked.append((spool_id, self._now()))
                        elif receipt.rc in _QUEUED:
                            self._follow(receipt.mid, spool_id)
                        # else paho refused it: it stays due in the spool and is tried again.

    def _follow(self, mid: int, spool_id: int) -> None:
        """Remember ``mid`` as the latest copy of ``spool_id`` (caller holds the track lock)."""
        stale = self._inflight.pop(mid, None)  # a mid reused by a new paho client
        if stale is not None:
            self._mid_of.pop(stale, None)
        older = self._mid_of.pop(spool_id, None)
        if older is not None:
            self._inflight.pop(older, None)
        self._inflight[mid] = spool_id
        self._mid_of[spool_id] = mid

    def _write_acks(self) -> None:
        with self._track_lock:
            acked, self._acked = self._acked, []
        self.spool.mark_sent(acked, self.settings.backoff)

    def _after_connect(self, connected_at: float, link: int) -> None:
        self._connected = link == self._link_changes  # False if it dropped again meanwhile
        self._write_acks()
        # paho re-sends what the broker never acknowledged: give that its own chance first.
        self.spool.defer_unsent(connected_at + self.settings.resend_after)
        count = self._republish(self.spool.unconfirmed(sent_before=connected_at), True)
        if count:
            log.info("re-published %d unconfirmed message(s) after the reconnect", count)

    def _resend_due(self) -> None:
        count = self._republish(self.spool.due(self._now(), self.settings.batch), False)
        if count:
            log.info("re-published %d message(s) the hub has not confirmed in time", count)

    def _republish(self, messages: list[SpooledMessage], skip_in_flight: bool) -> int:
        if skip_in_flight:
            with self._track_lock:
                messages = [m for m in messages if m.id not in self._mid_of]
        if not messages:
            return 0
        self.spool.republished([m.id for m in messages], self._now() + self.settings.resend_after)
        for message in messages:
            self._publish(message.topic, message.payload, message.qos, message.retain, message.id)
        return len(messages)

    def _alarm(self, cls: str, seq: int) -> None:
        self._alarms += 1
        if self._alarms == 1 or self._alarms % _ALARM_LOG_EVERY == 0:
            stats = self.spool.stats()
            log.error(
                "ALARM: spool over its bound (%d messages, %d bytes) with nothing droppable left:"
                " kept %s seq %d anyway (%d such in this file). Is the hub confirming?",
                stats.pending,
                stats.payload_bytes,
                cls,
                seq,
                stats.alarms,
            )
