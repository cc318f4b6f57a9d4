"""One microphone, several listeners: the real audio source opened once and fanned out.

The voice-command listener hears the room all the time, while the speech-activity listener
(between sessions) and a minutes session (during one) come and go. Each of them asks for the
microphone through an ``open_source()`` factory; :meth:`SharedMicrophone.subscribe` is that
factory. The first subscription opens the real source and starts one reader thread, which
hands every block to every subscription; the last one to close closes the source (so with
nobody listening the microphone is really off).

A subscription has a bounded queue (``queue_s`` seconds of audio). A consumer that falls
behind (Whisper busy on a long utterance) loses its oldest blocks, counted in
:attr:`Subscription.dropped_s` and logged, and never holds up the others or the device.
With ``lossless`` (an audio file read as fast as it is taken: ``--speech-from`` without
``--speech-realtime``) the reader waits for the slowest consumer instead, as a file allows.

*Holds* (:meth:`SharedMicrophone.hold`): while any is on (the mute switch, the terminal
speaking a reply), every consumer gets silence of the same length instead of the room. The
blocks keep coming, so a session's clock (which counts samples) stays right and the voice
activity detector sees the utterance under way end.
"""

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator

import numpy as np

from edge.holds import Holds
from speech.audio.source import SAMPLE_RATE, AudioSource

log = logging.getLogger(__name__)

QUEUE_S = 10.0  # like MicrophoneSource's own queue: a session may lag that long


class Subscription:
    """One consumer's view of the shared microphone: an :class:`AudioSource`."""

    def __init__(self, owner: "SharedMicrophone", max_samples: int, lossless: bool) -> None:
        self._owner = owner
        self._max = max_samples
        self._lossless = lossless
        self._cond = threading.Condition()
        self._queue: deque[np.ndarray] = deque()
        self._queued = 0  # samples in the queue
        self._ended = False  # the source ended: blocks() returns once the queue is empty
        self._closed = False
        self.dropped_s = 0.0  # audio lost because this consumer fell behind

    def blocks(self) -> Iterator[np.ndarray]:
        while True:
            with self._cond:
                while not self._queue and not (self._ended or self._closed):
                    self._cond.wait()
                if self._closed or not self._queue:
                    return
                block = self._queue.popleft()
                self._queued -= len(block)
                self._cond.notify_all()  # a lossless reader may be waiting for room
            yield block

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        self._owner._unsubscribe(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def _put(self, block: np.ndarray) -> None:
        """From the reader thread; never waits unless lossless."""
        dropped = 0
        with self._cond:
            if self._closed:
                return
            if self._lossless:
                while self._queued + len(block) > self._max and self._queue and not self._closed:
                    self._cond.wait(0.5)
                if self._closed:
                    return
            else:
                while self._queue and self._queued + len(block) > self._max:
                    old = self._queue.popleft()  # the oldest goes: the newest matters most
                    self._queued -= len(old)
                    dropped += len(old)
            self._queue.append(block)
            self._queued += len(block)
            self._cond.notify_all()
        if dropped:
            before = self.dropped_s
            self.dropped_s += dropped / SAMPLE_RATE
            if int(before) != int(self.dropped_s) or before == 0:  # about once a second
                log.warning(
                    "microphone: a slow consumer lost %.1f s of audio so far", self.dropped_s
                )

    def _end(self) -> None:
        with self._cond:
            self._ended = True
            self._cond.notify_all()


class SharedMicrophone:
    """Fans one :class:`AudioSource` out to :meth:`subscribe`\\ rs, with holds for silence."""

    def __init__(
        self,
        open_source: Callable[[], AudioSource],
        *,
        queue_s: float = QUEUE_S,
        lossless: bool = False,
    ) -> None:
        self._open_source = open_source
        self._max = max(1, round(queue_s * SAMPLE_RATE))
        self._lossless = lossless
        self._lock = threading.Lock()
        self._subscribers: list[Subscription] = []
        self._source: AudioSource | None = None
        self._thread: threading.Thread | None = None
        self._holds = Holds()

    def subscribe(self) -> Subscription:
        """A new consumer; opens the source if nobody listened (its errors go to the caller,
        as ``open_source()``'s did)."""
        with self._lock:
            subscription = Subscription(self, self._max, self._lossless)
            if self._source is None:
                source = self._open_source()
                self._source = source
                self._thread = threading.Thread(
                    target=self._read, args=(source,), name="microphone", daemon=True
                )
                self._subscribers.append(subscription)
                self._thread.start()
            else:
                self._subscribers.append(subscription)
            return subscription

    # -- holds ----------------------------------------------------------------------------

    def hold(self, why: str) -> None:
        """Every consumer hears silence until :meth:`release` (any thread)."""
        self._holds.hold(why)

    def release(self, why: str) -> None:
        self._holds.release(why)

    @property
    def held(self) -> bool:
        return self._holds.held

    def holds(self) -> set[str]:
        return self._holds.reasons()

    @property
    def open(self) -> bool:
        """The real source is open (someone listens)."""
        with self._lock:
            return self._source is not None

    def close(self) -> None:
        """Shutdown: end every subscription and close the source."""
        with self._lock:
            subscribers, self._subscribers = self._subscribers, []
            source, thread = self._source, self._thread
            self._source = self._thread = None
        for subscription in subscribers:
            subscription._end()
        if source is not None:
            source.close()
        if thread is not None:
            thread.join(5.0)

    # -- the reader thread ----------------------------------------------------------------

    def _unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)
            source = self._source if not self._subscribers else None
            if source is not None:
                self._source = self._thread = None  # the reader ends with the source
        if source is not None:
            source.close()

    def _read(self, source: AudioSource) -> None:
        try:
            for block in source.blocks():
                with self._lock:
                    if self._source is not source:
                        break  # closed: the last subscriber left
                    subscribers = list(self._subscribers)
                if self._holds.held:
                    block = np.zeros(len(block), dtype=np.float32)
                for subscription in subscribers:
                    subscription._put(block)  # the same array for all: consumers only read
        except Exception:
            log.exception("microphone: reading the audio source failed")
        finally:
            source.close()
            with self._lock:
                if self._source is source:
                    # Ended by itself (a file's end, a device unplugged): so do the
                    # subscriptions; the next subscribe opens the source again.
                    ended, self._subscribers = self._subscribers, []
                    self._source = self._thread = None
                else:
                    ended = []
            for subscription in ended:
                subscription._end()
