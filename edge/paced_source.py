"""An audio file played at its own pace, like a microphone would hear it.

``edge run --speech-from FILE --speech-realtime`` wraps the file in a :class:`PacedSource`,
so a session can be paused and resumed part-way through the file (demos, integration tests);
without it the file is read as fast as the pipeline takes it.
"""

import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from speech.audio.source import SAMPLE_RATE, AudioSource


class PacedSource:
    def __init__(self, source: AudioSource, now: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._now = now
        self._closed = threading.Event()

    def blocks(self) -> Iterator[np.ndarray]:
        started = self._now()
        played = 0
        for block in self._source.blocks():
            # A block is "heard" once its last sample has been spoken.
            played += len(block)
            wait = started + played / SAMPLE_RATE - self._now()
            if wait > 0 and self._closed.wait(wait):
                return
            if self._closed.is_set():
                return
            yield block

    def close(self) -> None:
        self._closed.set()
        self._source.close()
