"""One microphone, several listeners (edge.microphone): every subscriber hears every block in
order, a slow one loses its oldest blocks and holds up nobody, holds give everyone silence,
the source is open only while someone listens, and a file can be read losslessly."""

import queue
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from edge.microphone import SharedMicrophone, Subscription
from speech.audio.source import SAMPLE_RATE

WAIT_S = 10.0
SIZE = SAMPLE_RATE // 10  # 0.1 s blocks


def block(level: int) -> np.ndarray:
    """Levels as tests/edge/test_edge_off_record.py names them: 1 is "a1", 0 silence."""
    return np.full(SIZE, level / 100, dtype=np.float32)


def level(samples: np.ndarray) -> int:
    return round(float(samples[0]) * 100)


class LiveSource:
    """A microphone stand-in: yields what the test puts until closed."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self.closed = threading.Event()

    def blocks(self) -> Iterator[np.ndarray]:
        while (item := self.queue.get(timeout=WAIT_S)) is not None:
            yield item

    def close(self) -> None:
        self.closed.set()
        self.queue.put(None)


class Opener:
    def __init__(self) -> None:
        self.sources: list[LiveSource] = []

    def __call__(self) -> LiveSource:
        self.sources.append(LiveSource())
        return self.sources[-1]

    def put(self, *levels: int) -> None:
        for value in levels:
            self.sources[-1].queue.put(block(value))


class Reader:
    """Reads a subscription on a thread of its own, keeping the levels it heard."""

    def __init__(self, subscription: Subscription) -> None:
        self.heard: list[int] = []
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(subscription,), daemon=True)
        self._thread.start()

    def _run(self, subscription: Subscription) -> None:
        for samples in subscription.blocks():
            self.heard.append(level(samples))
        self.done.set()

    def wait_for(self, count: int) -> list[int]:
        done = threading.Event()
        for _ in range(int(WAIT_S / 0.01)):
            if len(self.heard) >= count:
                return self.heard
            done.wait(0.01)
        raise AssertionError(f"heard {self.heard}, expected {count} blocks")


def test_every_subscriber_hears_every_block_in_order() -> None:
    opener = Opener()
    shared = SharedMicrophone(opener)
    first, second = Reader(shared.subscribe()), Reader(shared.subscribe())
    opener.put(1, 2, 3)
    assert first.wait_for(3) == [1, 2, 3] and second.wait_for(3) == [1, 2, 3]
    assert len(opener.sources) == 1  # opened once
    shared.close()
    assert first.done.wait(WAIT_S) and second.done.wait(WAIT_S)


def test_a_slow_subscriber_loses_its_oldest_blocks_and_stalls_nobody() -> None:
    opener = Opener()
    shared = SharedMicrophone(opener, queue_s=0.5)  # five blocks
    slow = shared.subscribe()  # never read until the end
    fast = Reader(shared.subscribe())
    for value in range(1, 13):  # at the pace the fast one reads
        opener.put(value)
        fast.wait_for(value)
    assert fast.heard == list(range(1, 13))  # all of them, though slow reads nothing
    assert slow.dropped_s == pytest.approx(0.7)
    heard = []
    for samples in slow.blocks():
        heard.append(level(samples))
        if len(heard) == 5:
            break
    assert heard == [8, 9, 10, 11, 12]  # the newest five were kept
    shared.close()


def test_holds_give_every_subscriber_silence_of_the_same_length() -> None:
    opener = Opener()
    shared = SharedMicrophone(opener)
    first, second = Reader(shared.subscribe()), Reader(shared.subscribe())
    opener.put(1)
    first.wait_for(1)
    shared.hold("mute")
    shared.hold("playback")
    opener.put(2, 3)
    first.wait_for(3)
    shared.release("mute")
    opener.put(4)
    first.wait_for(4)
    shared.release("playback")
    opener.put(5)
    assert first.wait_for(5) == [1, 0, 0, 0, 5]
    assert second.wait_for(5) == [1, 0, 0, 0, 5]
    shared.close()


def test_the_source_is_open_only_while_someone_listens() -> None:
    opener = Opener()
    shared = SharedMicrophone(opener)
    assert not shared.open
    one, two = shared.subscribe(), shared.subscribe()
    assert shared.open
    one.close()
    assert shared.open and not opener.sources[0].closed.is_set()
    two.close()
    assert not shared.open and opener.sources[0].closed.wait(WAIT_S)
    again = Reader(shared.subscribe())  # opened afresh
    opener.put(7)
    assert again.wait_for(1) == [7] and len(opener.sources) == 2
    shared.close()


def test_when_the_source_ends_every_subscription_ends_after_its_blocks() -> None:
    opener = Opener()
    shared = SharedMicrophone(opener)
    reader = Reader(shared.subscribe())
    opener.put(1, 2)
    opener.sources[0].queue.put(None)  # the file's end, or the device gone
    assert reader.done.wait(WAIT_S) and reader.heard == [1, 2]
    assert not shared.open


def test_a_lossless_file_waits_for_its_slowest_reader() -> None:
    both_in = threading.Event()  # a file starts playing with its first reader: hold it

    class FileLike:
        def blocks(self) -> Iterator[np.ndarray]:
            both_in.wait(WAIT_S)
            for value in range(1, 41):
                yield block(value)

        def close(self) -> None:
            pass

    shared = SharedMicrophone(FileLike, queue_s=0.3, lossless=True)
    slow, fast = shared.subscribe(), Reader(shared.subscribe())
    both_in.set()
    heard = [level(samples) for samples in slow.blocks()]  # read only now: nothing was lost
    assert heard == list(range(1, 41)) and slow.dropped_s == 0
    assert fast.done.wait(WAIT_S) and fast.heard == list(range(1, 41))


def test_an_error_opening_the_source_goes_to_the_subscriber() -> None:
    def broken() -> LiveSource:
        raise OSError("no such device")

    shared = SharedMicrophone(broken)
    with pytest.raises(OSError, match="no such device"):
        shared.subscribe()
    assert not shared.open
