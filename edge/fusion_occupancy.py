"""Occupancy from the fusion estimator (edge/fusion/engine.py), as the agent's engine.

Binary sensor events become level signals (pir_motion -> ``pir``, mmwave_presence ->
``presence``, door_contact -> ``door``, desk_presence -> ``desk``); counts, the speech flag and CO2
arrive as signals already. The estimator is asked at the end of every fusion step
(``fusion.step``, 5 s of monotonic time counted from the start), so every change is stamped at
the end of the step that made it, however late the agent woke up. What is reported
(docs/contract.md):

- the room or a desk, whenever its ``occupied`` changes;
- the room, also when its headcount band changed and the new band held for ``BAND_HOLD_S``
  without a change of ``occupied``: stamped when the band was first seen, with that moment's
  probability and confidence, so a band flickering for a step or two is never sent.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from contract.messages import MAX_BAND
from contract.terminal_config import SensorKind, SensorSection, TerminalConfig
from edge.fusion.engine import FusionEstimator
from edge.fusion.settings import FusionSettings
from edge.fusion.signals import Estimate, Signal, SignalKind
from edge.occupancy import SpaceSnapshot, StateChange
from edge.sensors import SensorEvent

#: A room's new band is reported once it has held this long.
BAND_HOLD_S = 30.0
#: A new set of deciding signals (same state, same band) is reported once it has held this long,
#: and no sooner than ``REASONS_EVERY_S`` after the last report: the hub's audit trail names
#: the signals of the report in force ("kept ... (door_sealed, presence-1)"), so the reasons
#: of a long stretch must not stay those of its first minute.
REASONS_HOLD_S = 60.0
REASONS_EVERY_S = 300.0

LEVEL_SIGNALS: dict[SensorKind, SignalKind] = {
    SensorKind.PIR_MOTION: "pir",
    SensorKind.MMWAVE_PRESENCE: "presence",
    SensorKind.DOOR_CONTACT: "door",
    SensorKind.DESK_PRESENCE: "desk",
}


@dataclass(frozen=True)
class _Reported:
    """The room as last reported: a band is only reported once it held."""

    occupied: bool
    band: int | None
    band_confidence: float
    signals: frozenset[str]
    at: float


@dataclass(frozen=True)
class _Candidate:
    """A new band, first seen at ``since`` (the estimate of that moment is what gets sent)."""

    estimate: Estimate
    since: float


class FusionOccupancy:
    """Implements :class:`edge.occupancy_engine.OccupancyEngine` with a FusionEstimator."""

    hears_counts = True

    def __init__(
        self,
        config: TerminalConfig,
        now: float,
        active_sensors: Iterable[str] = (),
        settings: FusionSettings | None = None,
    ) -> None:
        self.settings = settings or FusionSettings.from_terminal_config(config)
        self.estimator = FusionEstimator(self.settings)
        self._room_id = config.room.id
        self._levels = {s.id: s for s in config.sensors if s.kind in LEVEL_SIGNALS}
        self._desk_sensors = {
            desk.id: tuple(s.id for s in config.sensors if s.desk == desk.id)
            for desk in config.desks
        }
        # A top above what the contract carries is reported as the contract's top ("or more").
        self.band_top = min(self.settings.top_band, MAX_BAND)
        self._step = self.settings.tuning.step
        self._origin = now  # the estimator's steps count from its first call: this one
        self._steps = 0
        self._time = now
        self._latest = self.estimator.estimate(now)
        # The levels read at start-up are state: every binary sensor's, so a door known to be
        # open counts as open (the door latch needs every door's state).
        active = set(active_sensors)
        for sensor_id in self._levels:
            self.estimator.observe(self._level(sensor_id, sensor_id in active, now))
        self._room = _Reported(
            self._latest.occupied,
            self._latest.band,
            self._latest.band_confidence,
            frozenset(self._latest.signals),
            now,
        )
        self._candidate: _Candidate | None = None
        self._reasons: _Candidate | None = None  # a new set of signals, and since when
        self._desks = dict(self._latest.desks)

    # -- the OccupancyEngine protocol ----------------------------------------------------

    def sensor_changed(self, event: SensorEvent) -> list[StateChange]:
        if event.sensor_id not in self._levels:
            raise KeyError(f"unknown sensor {event.sensor_id!r}")
        at = self._catch_up(event.at_monotonic)
        changes = self._finish_steps(at)
        self.estimator.observe(self._level(event.sensor_id, event.active, at))
        return changes

    def observe(self, signal: Signal) -> list[StateChange]:
        at = self._catch_up(signal.at)
        changes = self._finish_steps(at)
        # Signals must reach the estimator in time order: a late one happens "now".
        self.estimator.observe(signal if signal.at == at else replace(signal, at=at))
        return changes

    def advance(self, now: float) -> list[StateChange]:
        return self._finish_steps(self._catch_up(now))

    def next_deadline(self) -> float | None:
        return self._step_end(self._steps + 1)

    def snapshot(self) -> list[SpaceSnapshot]:
        room = SpaceSnapshot(
            "room",
            self._room_id,
            self._room.occupied,
            self._latest.signals,
            self._latest.probability,
            self._band(self._room.band),
            self.band_top,
            self._room.band_confidence,
        )
        desks = [
            SpaceSnapshot("desk", desk, occupied, self._desk_sensors.get(desk, ()))
            for desk, occupied in self._desks.items()
        ]
        return [room, *desks]

    # -- internals ---------------------------------------------------------------------

    def _catch_up(self, at: float) -> float:
        # Inputs stamped in other threads may arrive after we moved past their time.
        self._time = max(self._time, at)
        return self._time

    def _step_end(self, n: int) -> float:
        # From the origin, not summed, so no rounding drift over a day (as the estimator does).
        return self._origin + n * self._step

    def _finish_steps(self, now: float) -> list[StateChange]:
        changes: list[StateChange] = []
        while (end := self._step_end(self._steps + 1)) <= now:
            self._steps += 1
            self._latest = self.estimator.estimate(end)
            changes += self._judge(self._latest, end)
        return changes

    def _judge(self, estimate: Estimate, at: float) -> list[StateChange]:
        changes: list[StateChange] = []
        if estimate.occupied != self._room.occupied:
            changes.append(self._report(estimate, at))
        elif estimate.band == self._room.band:
            self._candidate = None
        elif self._candidate is None or self._candidate.estimate.band != estimate.band:
            self._candidate = _Candidate(estimate, at)
        elif at - self._candidate.since >= BAND_HOLD_S:
            changes.append(self._report(self._candidate.estimate, self._candidate.since))
        if (
            not changes
            and estimate.occupied  # the reasons that hold a room; a vacant one needs none
            and estimate.band == self._room.band
            and self._reasons_held(estimate, at)
        ):
            changes.append(self._report(estimate, at))  # same state and band: new reasons
        for desk, occupied in estimate.desks.items():
            if self._desks.get(desk) != occupied:
                self._desks[desk] = occupied
                signals = self._desk_sensors.get(desk, ())
                changes.append(StateChange("desk", desk, occupied, at, signals))
        return changes

    def _reasons_held(self, estimate: Estimate, at: float) -> bool:
        signals = frozenset(estimate.signals)
        if signals == self._room.signals or not signals:
            self._reasons = None
            return False
        if self._reasons is None or frozenset(self._reasons.estimate.signals) != signals:
            self._reasons = _Candidate(estimate, at)
            return False
        return at - self._reasons.since >= REASONS_HOLD_S and at - self._room.at >= REASONS_EVERY_S

    def _report(self, estimate: Estimate, at: float) -> StateChange:
        self._room = _Reported(
            estimate.occupied,
            estimate.band,
            estimate.band_confidence,
            frozenset(estimate.signals),
            at,
        )
        self._candidate = None
        self._reasons = None
        return StateChange(
            "room",
            self._room_id,
            estimate.occupied,
            at,
            estimate.signals,
            estimate.probability,
            self._band(estimate.band),
            self.band_top,
            estimate.band_confidence,
        )

    def _band(self, band: int | None) -> int | None:
        return None if band is None else min(band, self.band_top)

    def _level(self, sensor_id: str, active: bool, at: float) -> Signal:
        return level_signal(self._levels[sensor_id], active, at)


def level_signal(sensor: SensorSection, active: bool, at: float) -> Signal:
    """The signal fusion hears from a binary sensor's level (desk sensors name their desk)."""
    kind = LEVEL_SIGNALS[sensor.kind]
    return Signal(kind, sensor.id, at, 1.0 if active else 0.0, desk=sensor.desk)
