"""Fan-out of live state changes to API listeners (Server-Sent Events).

Ingest runs in a thread and calls :meth:`LiveFeed.publish`; each listener is an
asyncio queue on the app's event loop. A listener that falls behind loses its
oldest events rather than slowing ingest; it gets a ``resync`` event telling it
to re-read the full state.
"""

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

QUEUE_LIMIT = 1000


class LiveFeed:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = (
            set()
        )

    def publish(self, event: dict[str, Any]) -> None:
        """Thread-safe; never blocks the caller."""
        with self._lock:
            listeners = list(self._listeners)
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
