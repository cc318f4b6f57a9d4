"""The agent's loop feeds the watchdog after every pass, and a pass that hangs feeds nothing."""

import queue
import threading
from typing import Any
from zoneinfo import ZoneInfo

from common.clock import FakeClock
from edge.agent import Agent


class StubEngine:
    """An occupancy engine with nothing to say; ``hang()`` makes its next pass block."""

    def __init__(self) -> None:
        self._hang = threading.Event()
        self.hanging = threading.Event()
        self.release = threading.Event()

    def hang(self) -> None:
        self._hang.set()

    def advance(self, now: float) -> list[Any]:
        if self._hang.is_set():
            self._hang.clear()
            self.hanging.set()
            assert self.release.wait(30), "never released"
        return []

    def next_deadline(self) -> float | None:
        return None

    def observe(self, signal: Any) -> list[Any]:
        return []

    def sensor_changed(self, event: Any) -> list[Any]:
        return []


class StubPublisher:
    builder = None

    def spool_stats(self) -> None:
        return None


def test_every_pass_ends_with_a_tick_and_a_hung_pass_stops_them() -> None:
    engine, stop = StubEngine(), threading.Event()
    ticks: list[int] = []
    enough = threading.Event()

    def tick() -> None:
        ticks.append(len(ticks) + 1)
        if len(ticks) == 2:
            engine.hang()  # the third pass will hang inside the engine
        if len(ticks) == 5:
            stop.set()
            enough.set()

    agent = Agent(
        engine,  # type: ignore[arg-type]
        StubPublisher(),  # type: ignore[arg-type]
        queue.Queue(),
        FakeClock(),
        heartbeat_s=3600,
        timezone=ZoneInfo("UTC"),
        tick=tick,
        max_wait_s=0.01,  # a pass at least this often (real seconds), as WATCHDOG_USEC asks
    )
    runner = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    runner.start()
    assert engine.hanging.wait(30)
    # The loop is stuck in its third pass: no tick can come until the engine returns.
    assert ticks == [1, 2]
    engine.release.set()
    assert enough.wait(30)
    runner.join(30)
    assert ticks == [1, 2, 3, 4, 5] and not runner.is_alive()
