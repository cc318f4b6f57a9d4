"""The terminal's main loop: sensor events and other signals in, occupancy messages out.

One thread owns the occupancy engine (edge/occupancy_engine.py: fusion or hold rules). It
sleeps on the event queue until the next thing can happen without input (a fusion step
ending, a hold running out, the people counters' next reading, a heartbeat), with deadlines
taken from the injected clock and turned into real waits (a simulated clock at 600x waits
1/600 of the virtual time). Other threads hand it signals through :meth:`Agent.feed` (the
speech-activity flag, CO2 in a simulation).
"""

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from common.clock import Clock
from edge.fusion.signals import Signal
from edge.occupancy import SpaceSnapshot, StateChange
from edge.occupancy_engine import OccupancyEngine
from edge.publisher import Publisher, Receipt
from edge.sensors import EventQueue, SensorEvent
from edge.signal_pollers import SignalPoller
from edge.simclock import monotonic_at, real_seconds_until, wall_time_at

log = logging.getLogger(__name__)

# Never sleep longer than this (real seconds), so a stop or clock surprise is seen.
MAX_WAIT_S = 5.0


class Agent:
    def __init__(
        self,
        engine: OccupancyEngine,
        publisher: Publisher,
        events: EventQueue,
        clock: Clock,
        heartbeat_s: float,
        timezone: ZoneInfo,
        pollers: Sequence[SignalPoller] = (),
        tick: Callable[[], None] | None = None,
        max_wait_s: float | None = None,
    ) -> None:
        self._engine = engine
        # Called after every pass of the loop: feeds systemd's watchdog (common/sd_notify.py),
        # so a loop that hangs stops the pings; max_wait_s keeps passes at least that frequent.
        self._tick = tick
        self._max_wait_s = min(max_wait_s, MAX_WAIT_S) if max_wait_s else MAX_WAIT_S
        self._pollers = list(pollers)  # people counters, CO2: read when due
        self._publisher = publisher
        self._builder = publisher.builder
        self._events = events
        self._clock = clock
        self._heartbeat_s = heartbeat_s
        self._tz = timezone
        self._started = clock.monotonic()
        self._next_heartbeat = self._started + heartbeat_s
        # (dropped, alarms) at the last heartbeat; the spool's counters outlive restarts.
        stats = publisher.spool_stats()
        self._spool_seen = (stats.dropped_total, stats.alarms) if stats else (0, 0)
        # The newest heartbeat's receipt: a configuration's health check waits for the
        # broker to acknowledge one (edge/runtime.py).
        self.last_heartbeat: Receipt | None = None
        self._heartbeat_wanted = False  # set by heartbeat_soon (another thread)

    def publish_initial_state(self) -> None:
        """The room and every desk as they are now, flagged ``initial``."""
        ts = self._clock.now()
        for space in self._engine.snapshot():
            self._publisher.send(partial(self._builder.occupancy, space, ts, initial=True))
            log.info(
                "%s %s %s at start%s",
                space.space,
                space.space_id,
                "occupied" if space.occupied else "vacant",
                _details(space),
            )

    def feed(self, signal: Signal) -> None:
        """A signal for the occupancy engine from another thread (the speech flag, CO2)."""
        self._events.put(signal)

    def speech_changed(self, active: bool, at: datetime) -> None:
        """The speech-activity flag changed at wall time ``at`` (``ActivityFlag``'s listener)."""
        at_monotonic = monotonic_at(self._clock, at)
        self.feed(Signal("speech", "speech", at_monotonic, 1.0 if active else 0.0))

    def wake(self) -> None:
        """Make :meth:`run` look at its stop flag now (any thread; not a signal handler)."""
        self._events.put(None)

    def heartbeat_soon(self) -> None:
        """Send a heartbeat on the loop's next pass rather than at its time (any thread)."""
        self._heartbeat_wanted = True
        self.wake()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.process(self._wait_for_event())
            if self._tick is not None:
                self._tick()

    def process(self, first: SensorEvent | Signal | None = None) -> None:
        """Handle ``first`` and every queued input, read the counters if due, then let the
        clock's time pass."""
        batch = [first] if first is not None else []
        while True:  # drain what is already there: one burst, one pass
            try:
                item = self._events.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                batch.append(item)
        now = self._clock.monotonic()
        for item in batch:
            if isinstance(item, SensorEvent):
                self._handle(item)
            else:
                self._publish_changes(self._engine.observe(item))
        for poller in self._pollers:
            for signal in poller.poll(now):
                self._publish_changes(self._engine.observe(signal))
        self._publish_changes(self._engine.advance(now))
        if now >= self._next_heartbeat or self._heartbeat_wanted:
            self._heartbeat_wanted = False
            self._heartbeat(now)

    def next_wake(self) -> float:
        """Monotonic time of the next engine deadline (a fusion step's end, a hold running
        out), counter reading or heartbeat, whichever is first."""
        deadlines = [
            self._next_heartbeat,
            self._engine.next_deadline(),
            *(poller.next_due() for poller in self._pollers),
        ]
        return min(d for d in deadlines if d is not None)

    # -- internals ---------------------------------------------------------------

    def _wait_for_event(self) -> SensorEvent | Signal | None:
        timeout = min(real_seconds_until(self._clock, self.next_wake()), self._max_wait_s)
        try:
            return self._events.get(timeout=timeout) if timeout > 0 else None
        except queue.Empty:
            return None

    def _handle(self, event: SensorEvent) -> None:
        ts = wall_time_at(self._clock, event.at_monotonic)
        self._publisher.send(partial(self._builder.sensor_event, event, ts))
        self._publish_changes(self._engine.sensor_changed(event))

    def _publish_changes(self, changes: list[StateChange]) -> None:
        for change in changes:
            # A hold that ran out while we slept happened at its deadline, not at wake-up.
            ts = wall_time_at(self._clock, change.at_monotonic)
            self._publisher.send(partial(self._builder.occupancy, change, ts))
            log.info(
                "%s %s %s at %s%s",
                change.space,
                change.space_id,
                "occupied" if change.occupied else "vacant",
                ts.astimezone(self._tz).isoformat(timespec="seconds"),
                _details(change),
            )

    def _heartbeat(self, now: float) -> None:
        spaces = self._engine.snapshot()
        uptime = now - self._started
        ts = self._clock.now()
        # The fill goes to the hub, which warns before the spool has to drop anything.
        spool = self._publisher.spool_stats()
        self.last_heartbeat = self._publisher.send(
            partial(self._builder.heartbeat, spaces, uptime, self._heartbeat_s, ts, spool)
        )
        # After a stall send one heartbeat, not a burst of stale ones.
        while self._next_heartbeat <= now:
            self._next_heartbeat += self._heartbeat_s
        self._log_spool()

    def _log_spool(self) -> None:
        """The spool's counters with each heartbeat; louder when it gave something up."""
        stats = self._publisher.spool_stats()
        if stats is None:
            return
        seen, self._spool_seen = self._spool_seen, (stats.dropped_total, stats.alarms)
        level = logging.DEBUG
        if stats.alarms > seen[1]:
            level = logging.ERROR
        elif stats.dropped_total > seen[0]:
            level = logging.WARNING
        log.log(
            level,
            "spool: %d unconfirmed (%d not acknowledged by the broker), %d bytes;"
            " dropped %d %s; alarms %d",
            stats.pending,
            stats.unsent,
            stats.payload_bytes,
            stats.dropped_total,
            stats.dropped,
            stats.alarms,
        )


def _details(space: StateChange | SpaceSnapshot) -> str:
    """For the log: what decided, and fusion's numbers (' (pir-1, door_sealed) p=0.97 band 2')."""
    text = f" ({', '.join(space.signals)})" if space.signals else ""
    if space.probability is not None:
        text += f" p={space.probability:.2f}"
    if space.band is not None:
        top = "+" if space.band == space.band_top else ""
        text += f" band {space.band}{top}"
    return text
