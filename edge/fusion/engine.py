"""The fusion estimator: every signal of a room into one occupancy probability, a band and reasons.

Time is cut into steps of ``fusion.step`` seconds (5 s by default) counted from the first call.
Signals update the trackers of their source as they arrive; when a step ends, each source's
evidence for that step (edge/fusion/evidence.py), plus the closed-door latch's
(edge/fusion/door.py), updates a two-state Bayesian filter for the room (edge/fusion/bayes.py) and
one per desk. ``estimate(now)`` first finishes the steps that ended by ``now``, so the answer
depends only on the signals and ``now``, never on how often it is asked; a signal shows up in the
estimate at the end of its step, at most one step later.

docs/fusion.md describes the model and its defaults for people.
"""

from collections import defaultdict

from edge.fusion.bands import estimate_band
from edge.fusion.bayes import BinaryFilter
from edge.fusion.door import DoorLatch
from edge.fusion.evidence import Co2Tracker, CountTracker, CountView, LevelTracker
from edge.fusion.explain import Ledger
from edge.fusion.settings import FusionSettings
from edge.fusion.signals import Estimate, Signal

#: The names that explanations use for sources that are not a sensor.
SPEECH = "speech"
CO2 = "co2"
DOOR_SEALED = "door_sealed"
DOOR_OPENED = "door_opened"  # a door opened on a sealed room: people may have left

_LEVEL_KINDS = frozenset({"pir", "presence", "desk", "speech"})


class FusionEstimator:
    """Implements :class:`edge.fusion.signals.Estimator`."""

    def __init__(self, config: FusionSettings | None = None) -> None:
        self.config = config or FusionSettings()
        tuning = self.config.tuning
        self._table = tuning.likelihoods
        self._step = tuning.step
        self._room = BinaryFilter(tuning)
        self._desks = {desk: BinaryFilter(tuning) for desk in self.config.desks}
        self._levels: dict[str, LevelTracker] = {}  # by explanation name
        self._desk_of: dict[str, str] = {}  # desk sensor id -> desk id
        self._counts: dict[str, CountTracker] = {}
        self._co2 = Co2Tracker(self._table.co2, tuning.co2)
        self._latch = DoorLatch(tuning.door_settle, tuning.door_confirm)
        self._ledger = Ledger(tuning.step, tuning.explain_half_life)
        # Configured sensors are known from the start: their silence is evidence at once.
        for sensor in self.config.sensors:
            if sensor.signal == "count":
                self._counter(sensor.id, sensor.accumulates)
            elif sensor.signal != "door":
                self._level(sensor.signal, sensor.id, sensor.desk)
        self._origin: float | None = None  # time of the first call: steps count from here
        self._steps_done = 0

    # -- the Estimator protocol --------------------------------------------------------

    def observe(self, signal: Signal) -> None:
        self._advance(signal.at)
        at = max(signal.at, self._step_start())  # a late signal counts in the current step
        active = signal.value >= 0.5
        if signal.kind in _LEVEL_KINDS:
            self._level(signal.kind, signal.source, signal.desk).set(active, at)
            if active:
                self._latch.seen(at)
        elif signal.kind == "door":
            self._latch.door(signal.source, active, at)
        elif signal.kind == "co2":
            self._co2.add(at, signal.value)
        elif signal.kind == "count":
            count = max(0, round(signal.value))
            sensor = self.config.sensor(signal.source)
            saturates = sensor.saturates_at if sensor is not None else None
            at_least = signal.at_least or (saturates is not None and count >= saturates)
            view = CountView(signal.source, count, signal.confidence, at, at_least)
            tracker = self._counter(signal.source)
            before = tracker.latest.count if tracker.latest is not None else 0
            tracker.set(view)
            # Door beams see someone only when they cross inwards; their standing count is memory.
            if count > (before if tracker.accumulates else 0):
                self._latch.seen(at)

    def estimate(self, now: float) -> Estimate:
        self._advance(now)
        room = self._room
        fresh = [r for t in self._counts.values() if (r := t.fresh(now)) is not None]
        desks = {desk: f.occupied for desk, f in self._desks.items()}
        band, band_confidence = estimate_band(
            occupied=room.occupied,
            probability=room.probability,
            readings=fresh,
            desks_in_use=sum(desks.values()),
            top=self.config.top_band,
            desk_confidence=self.config.tuning.desk_band_confidence,
        )
        return Estimate(
            occupied=room.occupied,
            probability=room.probability,
            band=band,
            band_confidence=band_confidence,
            signals=self._ledger.named(room.occupied),
            desks=desks,
        )

    # -- extras for the agent, calibration and tests -----------------------------------

    @property
    def sealed(self) -> bool:
        """True while the closed-door latch holds."""
        return self._latch.sealed

    # -- internals ---------------------------------------------------------------------

    def _level(self, kind: str, source: str, desk: str | None) -> LevelTracker:
        name = SPEECH if kind == "speech" else source
        tracker = self._levels.get(name)
        if tracker is None:
            tracker = self._levels[name] = LevelTracker(self._table.of(kind))
            if kind == "desk" and desk is not None:
                self._desk_of[name] = desk
                if desk not in self._desks:  # a desk the settings did not list
                    self._desks[desk] = BinaryFilter(self.config.tuning)
        return tracker

    def _counter(self, source: str, accumulates: bool = False) -> CountTracker:
        tracker = self._counts.get(source)
        if tracker is None:
            table = self._table.door_count if accumulates else self._table.count
            tracker = CountTracker(table, self.config.tuning.count_fresh, accumulates)
            self._counts[source] = tracker
        return tracker

    def _step_start(self) -> float:
        assert self._origin is not None
        return self._origin + self._steps_done * self._step

    def _advance(self, now: float) -> None:
        if self._origin is None:
            self._origin = now
            return
        # Step ends are computed from the origin, not summed, so no rounding drift over a day.
        while self._origin + (self._steps_done + 1) * self._step <= now:
            self._steps_done += 1
            self._finish_step(self._origin + self._steps_done * self._step)

    def _finish_step(self, end: float) -> None:
        contributions: list[tuple[str, float]] = []
        per_desk: dict[str, float] = defaultdict(float)
        for name, tracker in self._levels.items():
            if tracker.level:  # still high at the end of the step: someone is inside now
                self._latch.seen(end)
            llr = tracker.close_step(end)
            contributions.append((name, llr))
            if name in self._desk_of:
                per_desk[self._desk_of[name]] += llr
        for name, counter in self._counts.items():
            contributions.append((name, counter.close_step(end)))
        contributions.append((CO2, self._co2.close_step(end)))
        if self._latch.sealed:
            contributions.append((DOOR_SEALED, self._table.door_sealed.active.llr))
        leave = self.config.tuning.door_open_leave if self._latch.take_departure(end) else 0.0
        moved = self._room.step(sum(llr for _, llr in contributions), leave)
        if moved:
            contributions.append((DOOR_OPENED, moved))
        # A desk's own state hears only its sensors. The room does not simply follow its desks:
        # a seat pad feeling a jacket must not keep an empty room occupied (see "held").
        for desk, desk_filter in self._desks.items():
            desk_filter.step(per_desk.get(desk, 0.0))
        self._latch.end_step(end, self._room.occupied)  # its evidence counts from the next step
        self._ledger.add(contributions)
