"""Fan-out of live state changes to API listeners (Server-Sent Events).

Ingest runs in a thread and calls :meth:`LiveFeed.publish`; each listener is an
asyncio queue on the app's event loop. A listener that falls behind loses its
oldest events rather than slowing ingest; it gets a ``resync`` event telling it
to re-read the full state.

With several hub workers (docs/scaling.md) each one ingests only its share of the
messages, but any worker's stream must show every change: :class:`LiveBus` carries
each worker's committed events to the others over MQTT, on the hub-internal topic
``<prefix>/v1/hub/live`` (QoS 0, outside the terminals' ``rooms/`` tree). A lost
bus message costs a listener one event, as a full queue does; a reconnecting SSE
client re-reads the state after ``ready``.
"""

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson

from contract.topics import VERSION_LEVEL

log = logging.getLogger(__name__)

QUEUE_LIMIT = 1000

#: Called with every event in the publishing thread (the Home Assistant bridge): must not block.
Observer = Callable[[dict[str, Any]], None]


def live_topic(prefix: str) -> str:
    """Where hub workers tell each other about committed live events."""
    return f"{prefix}/{VERSION_LEVEL}/hub/live"


class LiveFeed:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = (
            set()
        )
        self._observers: list[Observer] = []

    def add_observer(self, observer: Observer) -> None:
        with self._lock:
            self._observers.append(observer)

    def publish(self, event: dict[str, Any]) -> None:
        """Thread-safe; never blocks the caller."""
        with self._lock:
            listeners = list(self._listeners)
            observers = list(self._observers)
        for observer in observers:
            try:
                observer(event)
            except Exception:  # a broken observer must not stop ingest
                log.exception("live feed observer failed")
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(self._offer, queue, event)
            except RuntimeError:  # the listener's loop has closed
                with self._lock:
                    self._listeners.discard((loop, queue))

    @staticmethod
    def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
        if queue.full():
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait({"type": "resync"})
        queue.put_nowait(event)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._listeners.add(entry)
        try:
            yield queue
        finally:
            with self._lock:
                self._listeners.discard(entry)

    @property
    def listener_count(self) -> int:
        with self._lock:
            return len(self._listeners)


class LiveBus:
    """Live events between hub workers: ``{"v": 1, "origin": <worker>, "events": [...]}``.

    Each worker subscribes to :attr:`topic` directly (not shared) with MQTT 5 No Local, and
    also drops messages with its own ``origin`` (3.1.1 has no No Local): its own events
    already went to its feed, straight after the commit.
    """

    def __init__(self, prefix: str, worker_id: str, feed: LiveFeed) -> None:
        self.topic = live_topic(prefix)
        self.worker_id = worker_id
        self._feed = feed

    def encode(self, events: list[dict[str, Any]]) -> bytes:
        return orjson.dumps({"v": 1, "origin": self.worker_id, "events": events})

    def receive(self, payload: bytes) -> int:
        """Feed another worker's events to this worker's listeners; returns how many."""
        try:
            message = orjson.loads(payload)
            origin, events = message["origin"], message["events"]
            if message.get("v") != 1 or not isinstance(events, list):
                raise ValueError("not a v1 live message")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            log.warning("ignored a malformed message on %s: %s", self.topic, exc)
            return 0
        if origin == self.worker_id:
            return 0
        count = 0
        for event in events:
            if isinstance(event, dict):
                self._feed.publish(event)
                count += 1
        return count
