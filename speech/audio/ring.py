"""The last few seconds of the stream, addressed by absolute sample number.

The endpointer says where an utterance lies in samples since the stream started; the ring
buffer keeps enough recent audio to cut it out (with padding) once that is known.
"""

import math

import numpy as np

from speech.audio.source import SAMPLE_RATE


class RingBuffer:
    """Preallocated float32 ring of ``capacity_s`` seconds.

    Sample ``i`` of the stream (0 = first sample ever written) is held while
    ``oldest <= i < total``.
    """

    def __init__(self, capacity_s: float, sample_rate: int = SAMPLE_RATE) -> None:
        if not capacity_s > 0:
            raise ValueError(f"capacity_s must be positive, got {capacity_s}")
        self.sample_rate = sample_rate
        self.capacity = math.ceil(capacity_s * sample_rate)
        self._data = np.zeros(self.capacity, dtype=np.float32)
        self._total = 0

    @property
    def total(self) -> int:
        """Samples written since the start of the stream."""
        return self._total

    @property
    def oldest(self) -> int:
        """Absolute index of the oldest sample still held."""
        return max(0, self._total - self.capacity)

    def write(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        n = len(samples)
        if n >= self.capacity:  # only the newest capacity samples can survive
            self._put(self._total + n - self.capacity, samples[-self.capacity :])
        else:
            self._put(self._total, samples)
        self._total += n

    def _put(self, start: int, samples: np.ndarray) -> None:
        pos = start % self.capacity
        first = min(len(samples), self.capacity - pos)
        self._data[pos : pos + first] = samples[:first]
        self._data[: len(samples) - first] = samples[first:]

    def read(self, start: int, end: int) -> np.ndarray:
        """A copy of samples ``[start, end)``, clamped to ``[oldest, total)``: samples already
        overwritten or not yet written are left out (so the result may be shorter than
        asked, or empty)."""
        start = max(start, self.oldest)
        end = min(end, self._total)
        if end <= start:
            return np.zeros(0, dtype=np.float32)
        pos = start % self.capacity
        n = end - start
        first = min(n, self.capacity - pos)
        return np.concatenate([self._data[pos : pos + first], self._data[: n - first]])
