"""Recording labelled occupancy on a terminal, for ``python -m edge calibrate record``.

The room's sensors are read exactly as the agent reads them (edges of the binary sensors from
edge/sensors.py, the people counters polled every second), turned into the signals fusion
hears, and written as they happen (edge/fusion/recorder.py). A person in or near the room says
what is true: ``p`` + Enter when someone is in, ``a`` when it is empty, ``q`` to finish. The
recording then goes to ``calibrate fit``, which fits this room's likelihoods.

No audio and no speech flag are recorded: speech is not calibrated (its silence stays neutral).
"""

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from common.clock import Clock
from contract.terminal_config import BINARY_KINDS, TerminalConfig
from edge.counter_poller import CounterPoller
from edge.counting.base import PeopleCounter
from edge.fusion.recorder import LabelError, RecordingWriter, parse_label
from edge.fusion.settings import FusionSettings
from edge.fusion_occupancy import level_signal
from edge.sensors import EventQueue, SensorBank, SensorEvent

#: How long the loop waits for a sensor edge before it looks at labels and counters again.
TICK_S = 0.2


@dataclass(frozen=True)
class RecordSummary:
    path: Path
    duration_s: float
    signals: int
    labels: int
    present_s: float  # labelled present
    absent_s: float  # labelled absent

    @property
    def usable(self) -> bool:
        """Fitting needs at least one label; both states make it worth doing."""
        return self.labels > 0


def record(
    config: TerminalConfig,
    path: Path,
    pin_factory: Any,
    clock: Clock,
    counters: Sequence[PeopleCounter],
    commands: "queue.Queue[str]",
    say: Callable[[str], None],
    stop: threading.Event,
    minutes: float | None = None,
) -> RecordSummary:
    """Record until ``q`` arrives on ``commands``, ``stop`` is set or ``minutes`` have passed.

    ``path`` must not exist (a recording is never overwritten)."""
    events: EventQueue = queue.Queue()
    start = clock.monotonic()
    settings = FusionSettings.from_terminal_config(config)
    name = f"{config.room.id} {clock.now():%Y-%m-%d %H:%M}"
    # Sensors first: once the file exists, every edge is recorded.
    bank = SensorBank(config.sensors, pin_factory, clock, events)
    active = set(bank.active_now())  # before the file exists: later edges are queued events
    try:
        writer = RecordingWriter(path, name, settings, origin=start)
    except BaseException:
        bank.close()
        raise
    poller = CounterPoller(counters, start)
    binary = {s.id: s for s in config.sensors if s.kind in BINARY_KINDS}
    try:
        for sensor in binary.values():  # levels at the start are state, as on the agent
            writer.signal(level_signal(sensor, sensor.id in active, start))
        deadline = None if minutes is None else start + minutes * 60.0
        finished = False
        while not (finished or stop.is_set()):
            now = clock.monotonic()
            if deadline is not None and now >= deadline:
                break
            _drain_events(events, binary, writer)
            for signal in poller.poll(now):
                writer.signal(signal)
            finished = _take_commands(commands, writer, clock, say)
        _drain_events(events, binary, writer)
    finally:
        end = clock.monotonic()
        duration = writer.close(end)
        bank.close()
        poller.close()
    return _summary(path, writer, duration)


def _drain_events(
    events: EventQueue, binary: dict[str, Any], writer: RecordingWriter, wait: float = TICK_S
) -> None:
    timeout = wait
    while True:
        try:
            item = events.get(timeout=timeout)
        except queue.Empty:
            return
        timeout = 0.0  # the first wait paces the loop; the rest is draining
        if isinstance(item, SensorEvent) and item.sensor_id in binary:
            writer.signal(level_signal(binary[item.sensor_id], item.active, item.at_monotonic))


def _take_commands(
    commands: "queue.Queue[str]", writer: RecordingWriter, clock: Clock, say: Callable[[str], None]
) -> bool:
    """Apply every typed line; True when the person asked to finish."""
    while True:
        try:
            text = commands.get_nowait()
        except queue.Empty:
            return False
        if not text.strip():
            continue
        try:
            occupied = parse_label(text)
        except LabelError as exc:
            say(str(exc))
            continue
        if occupied is None:
            return True
        now = clock.monotonic()
        if occupied != writer.occupied:
            writer.label(now, occupied)
        at = now - writer.origin
        say(f"{_clock(at)} {'present' if occupied else 'absent'}")


def _summary(path: Path, writer: RecordingWriter, duration: float) -> RecordSummary:
    present = absent = 0.0
    marks = [*writer.labels, (duration, False)]
    for (at, occupied), (until, _) in pairwise(marks):
        if occupied:
            present += until - at
        else:
            absent += until - at
    return RecordSummary(path, duration, writer.signals, len(writer.labels), present, absent)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
