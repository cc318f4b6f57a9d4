"""RingBuffer: absolute indexing, wrap-around, clamping."""

import numpy as np
import pytest

from speech.audio.ring import RingBuffer


def test_reads_back_what_was_written_across_the_wrap() -> None:
    ring = RingBuffer(capacity_s=1.0, sample_rate=10)  # 10 samples
    stream = np.arange(37, dtype=np.float32)
    for start in range(0, 37, 7):
        ring.write(stream[start : start + 7])
    assert ring.total == 37
    assert ring.oldest == 27
    np.testing.assert_array_equal(ring.read(27, 37), stream[27:37])
    np.testing.assert_array_equal(ring.read(30, 33), stream[30:33])


def test_read_is_clamped_to_what_is_held() -> None:
    ring = RingBuffer(capacity_s=1.0, sample_rate=10)
    ring.write(np.arange(25, dtype=np.float32))
    np.testing.assert_array_equal(ring.read(0, 100), np.arange(15, 25, dtype=np.float32))
    assert ring.read(0, 10).size == 0  # overwritten long ago
    assert ring.read(30, 40).size == 0  # not written yet
    assert ring.read(20, 20).size == 0


def test_a_write_longer_than_the_capacity_keeps_the_newest() -> None:
    ring = RingBuffer(capacity_s=1.0, sample_rate=10)
    ring.write(np.arange(3, dtype=np.float32))
    ring.write(np.arange(3, 28, dtype=np.float32))
    assert ring.total == 28
    np.testing.assert_array_equal(ring.read(0, 28), np.arange(18, 28, dtype=np.float32))


def test_empty_ring_and_bad_capacity() -> None:
    ring = RingBuffer(capacity_s=0.5)
    assert ring.total == 0 and ring.oldest == 0
    assert ring.read(0, 10).dtype == np.float32
    with pytest.raises(ValueError):
        RingBuffer(capacity_s=0)
