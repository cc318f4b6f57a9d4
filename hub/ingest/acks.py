"""At most one watermark ack per terminal boot per interval: the latest one wins.

Every committed batch moves watermarks, and under load a batch touches every
device. Publishing each of those acks would cost the hub about as much MQTT work
as it spends receiving. The terminal only needs to hear the newest watermark
before its resend timeout (30 s by default), so acks are held back per stream and
the latest is sent once the interval has passed since the previous one.
"""

import threading

from common.clock import Clock
from hub.ingest.watermark_types import OutgoingCommand, StreamKey

ACK_INTERVAL_S = 0.5


class AckThrottle:
    def __init__(self, clock: Clock, interval_s: float = ACK_INTERVAL_S) -> None:
        self._clock = clock
        self._interval_s = interval_s
        self._pending: dict[StreamKey, OutgoingCommand] = {}
        self._last_sent: dict[StreamKey, float] = {}
        self._lock = threading.Lock()

    def offer(self, ack: OutgoingCommand) -> None:
        with self._lock:
            self._pending[(ack.device_id, ack.command.boot)] = ack

    def is_due(self, key: StreamKey) -> bool:
        """Whether an ack for ``key`` would go out now."""
        with self._lock:
            last = self._last_sent.get(key)
        return last is None or self._clock.monotonic() - last >= self._interval_s

    def due(self, *, everything: bool = False) -> list[OutgoingCommand]:
        """The pending acks whose stream has not had one for the interval (or all of them)."""
        now = self._clock.monotonic()
        with self._lock:
            ready = [
                key
                for key in self._pending
                if everything or now - self._last_sent.get(key, -1e18) >= self._interval_s
            ]
            if len(self._last_sent) > 100_000:
                self._last_sent.clear()  # old boots pile up; at worst one ack goes out early
            for key in ready:
                self._last_sent[key] = now
            return [self._pending.pop(key) for key in ready]
