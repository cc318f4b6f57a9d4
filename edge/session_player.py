"""Plays a labelled fusion session (edge/fusion/sessions/) through the terminal's real inputs.

The session's Signal stream (``play(loaded, seed)``) counts seconds from the session's start,
which is anchored at the moment the player starts (like a scenario's ``anchor: start``). Each
signal goes in where a real one would:

- levels (``pir``, ``presence``, ``door``, ``desk``) become pin changes on the MockFactory pins,
  so they pass through gpiozero and edge/sensors.py like real ones;
- counts go to a :class:`SessionCounter` per counter, which the agent reads through the
  people-counter interface (edge/counting/base.py) like a real counter;
- the speech flag goes to the terminal's speech-activity flag (``ActivityFlag.set``: published,
  and heard by occupancy in-process), never audio;
- CO2 has no sensor kind on the terminal, so readings go straight to the agent as signals.

:meth:`SessionPlayer.play_due` plays what is due by a time (tests drive it with a fake clock);
:meth:`SessionPlayer.start` plays on the clock in a thread, as edge/player.py does scenarios.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from common.clock import Clock
from contract.terminal_config import COUNTING_KINDS, SensorKind, TerminalConfig
from edge.agent import Agent
from edge.counting.base import CounterStats, CountReading
from edge.fusion.sessions import Played, load_session, play, terminal_config
from edge.fusion.settings import SATURATES_AT
from edge.fusion.signals import Signal
from edge.minutes_types import ActivityFlag
from edge.publisher import Publisher
from edge.sensors import MockSensorDriver, SensorBank
from edge.simclock import real_seconds_until, wall_time_at

log = logging.getLogger(__name__)

MAX_WAIT_S = 5.0  # re-check the clock at least this often (real seconds) while waiting
_LEVELS = frozenset({"pir", "presence", "door", "desk"})


class SessionCounter:
    """A people counter that reports what the session's counter read; a PeopleCounter."""

    def __init__(self, sensor_id: str, kind: SensorKind) -> None:
        self.sensor_id = sensor_id
        self.kind = kind
        self._saturates_at = SATURATES_AT.get(kind)
        self._latest: CountReading | None = None
        self._stats = CounterStats()

    @property
    def stats(self) -> CounterStats:
        return self._stats

    def report(self, count: int, confidence: float, at_monotonic: float) -> None:
        self._latest = CountReading(
            self.sensor_id, self.kind, count, confidence, at_monotonic, self._saturates_at
        )
        self._stats.frames_ok += 1

    def read(self) -> CountReading | None:
        return self._latest

    def close(self) -> None:
        pass


def session_counters(config: TerminalConfig) -> dict[str, SessionCounter]:
    """A SessionCounter for every counting sensor of the session's room configuration."""
    return {s.id: SessionCounter(s.id, s.kind) for s in config.sensors if s.kind in COUNTING_KINDS}


@dataclass(frozen=True)
class SessionInputs:
    """Where each kind of signal enters the terminal."""

    set_level: Callable[[str, bool], None]  # edge.sensors.MockSensorDriver.set_active
    speech: Callable[[bool, datetime], None]  # edge.minutes_types.ActivityFlag.set
    feed: Callable[[Signal], None]  # edge.agent.Agent.feed (CO2)
    counters: dict[str, SessionCounter]


class SessionPlayer:
    def __init__(
        self, signals: Sequence[Signal], inputs: SessionInputs, clock: Clock, name: str = "session"
    ) -> None:
        self._signals = sorted(signals, key=lambda s: s.at)  # stable: a source keeps its order
        self._inputs = inputs
        self._clock = clock
        self._name = name
        self._origin: float | None = None
        self._next = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def played(self) -> int:
        return self._next

    @property
    def origin(self) -> float | None:
        """The monotonic time of the session's second 0 (set by the first play)."""
        return self._origin

    def anchor(self, origin: float) -> None:
        """Put the session's second 0 at monotonic ``origin`` (default: when play begins)."""
        self._origin = origin

    def play_due(self, now: float) -> int:
        """Play every signal due by monotonic ``now``; how many."""
        if self._origin is None:
            self._origin = now
        played = 0
        while self._next < len(self._signals):
            signal = self._signals[self._next]
            if self._origin + signal.at > now:
                break
            self._apply(signal, self._origin + signal.at)
            self._next += 1
            played += 1
        return played

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="session-player", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:
        try:
            if self._origin is None:
                self._origin = self._clock.monotonic()
            while self._next < len(self._signals):
                due = self._origin + self._signals[self._next].at
                if not self._wait_until(due):
                    return
                self.play_due(due)
            log.info("session %s has played to its end; sensors stay as they are", self._name)
        except Exception:  # the world breaking must not go unnoticed
            log.exception("session %s stopped with an error", self._name)

    def _wait_until(self, monotonic: float) -> bool:
        while not self._stop.is_set():
            delay = real_seconds_until(self._clock, monotonic)
            if delay <= 0:
                return True
            self._stop.wait(min(delay, MAX_WAIT_S))
        return False

    def _apply(self, signal: Signal, at: float) -> None:
        inputs = self._inputs
        if signal.kind in _LEVELS:
            inputs.set_level(signal.source, signal.value >= 0.5)
        elif signal.kind == "speech":
            inputs.speech(signal.value >= 0.5, wall_time_at(self._clock, at))
        elif signal.kind == "co2":
            inputs.feed(Signal("co2", signal.source, at, signal.value))
        elif signal.kind == "count":
            counter = inputs.counters.get(signal.source)
            if counter is None:
                raise KeyError(f"the session's counter {signal.source!r} is not configured")
            counter.report(round(signal.value), signal.confidence, at)


def default_start(now: datetime, duration_s: float) -> datetime:
    """Without ``--start``: the session ends at the real now (then the terminal runs live)."""
    return now - timedelta(seconds=duration_s)


def load_played(reference: str, seed: int) -> tuple[Played, TerminalConfig]:
    """A session (a file or a shipped name) played with ``seed``, and its room's configuration.

    Raises :class:`edge.fusion.sessions.SessionError` for a session that cannot be used."""
    loaded = load_session(reference)
    return play(loaded, seed), terminal_config(loaded.session)


def build_session_player(
    played: Played,
    config: TerminalConfig,
    sensors: SensorBank,
    publisher: Publisher,
    agent: Agent,
    counters: Sequence[SessionCounter],
    clock: Clock,
) -> SessionPlayer:
    """The player of ``played`` wired into a terminal's inputs (see the module docstring)."""
    driver = MockSensorDriver(sensors, config.sensors)
    flag = ActivityFlag(publisher, enabled=config.speech.activity, on_change=agent.speech_changed)
    inputs = SessionInputs(
        driver.set_active, flag.set, agent.feed, {c.sensor_id: c for c in counters}
    )
    return SessionPlayer(played.signals, inputs, clock, played.name)
