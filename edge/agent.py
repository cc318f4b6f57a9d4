"""The terminal's main loop: sensor events in, occupancy messages out.

One thread owns the state machine. It sleeps on the event queue until the
next thing can happen without input (a hold running out, a heartbeat), with
deadlines taken from the injected clock and turned into real waits (a
simulated clock at 600x waits 1/600 of the virtual time).
"""

import logging
import queue
import threading
from functools import partial
from zoneinfo import ZoneInfo

from common.clock import Clock
from edge.occupancy import OccupancyMachine, StateChange
from edge.publisher import Publisher
from edge.sensors import EventQueue, SensorEvent
from edge.simclock import real_seconds_until, wall_time_at

log = logging.getLogger(__name__)

# Never sleep longer than this (real seconds), so a stop or clock surprise is seen.
MAX_WAIT_S = 5.0


class Agent:
    def __init__(
        self,
        machine: OccupancyMachine,
        publisher: Publisher,
        events: EventQueue,
        clock: Clock,
        heartbeat_s: float,
        timezone: ZoneInfo,
    ) -> None:
        self._machine = machine
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

    def publish_initial_state(self) -> None:
        """The room and every desk as they are now, flagged ``initial``."""
        ts = self._clock.now()
        for space in self._machine.snapshot():
            self._publisher.send(partial(self._builder.occupancy, space, ts, initial=True))
            log.info(
                "%s %s %s at start%s",
                space.space,
                space.space_id,
                "occupied" if space.occupied else "vacant",
                _signals(space.signals),
            )

    def wake(self) -> None:
        """Make :meth:`run` look at its stop flag now (any thread; not a signal handler)."""
        self._events.put(None)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.process(self._wait_for_event())

    def process(self, first: SensorEvent | None = None) -> None:
        """Handle ``first`` and every queued event, then let the clock's time pass."""
        batch = [first] if first is not None else []
        while True:  # drain what is already there: one burst, one pass
            try:
                item = self._events.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                batch.append(item)
        now = self._clock.monotonic()
        for event in batch:
            self._handle(event)
        self._publish_changes(self._machine.advance(now))
        if now >= self._next_heartbeat:
            self._heartbeat(now)

    def next_wake(self) -> float:
        """Monotonic time of the next hold expiry or heartbeat, whichever is first."""
        deadline = self._machine.next_deadline()
        return self._next_heartbeat if deadline is None else min(deadline, self._next_heartbeat)

    # -- internals ---------------------------------------------------------------

    def _wait_for_event(self) -> SensorEvent | None:
        timeout = min(real_seconds_until(self._clock, self.next_wake()), MAX_WAIT_S)
        try:
            return self._events.get(timeout=timeout) if timeout > 0 else None
        except queue.Empty:
            return None

    def _handle(self, event: SensorEvent) -> None:
        ts = wall_time_at(self._clock, event.at_monotonic)
        self._publisher.send(partial(self._builder.sensor_event, event, ts))
        changes = self._machine.sensor_changed(event.sensor_id, event.active, event.at_monotonic)
        self._publish_changes(changes)

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
                _signals(change.signals),
            )

    def _heartbeat(self, now: float) -> None:
        spaces = self._machine.snapshot()
        uptime = now - self._started
        ts = self._clock.now()
        self._publisher.send(
            partial(self._builder.heartbeat, spaces, uptime, self._heartbeat_s, ts)
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


def _signals(signals: tuple[str, ...]) -> str:
    return f" ({', '.join(signals)})" if signals else ""
