"""The one interface the agent decides occupancy through, and the choice between its two kinds.

``occupancy.estimator`` in the terminal configuration picks one (docs/sensors.md):

- ``fusion`` (the default): :class:`edge.fusion_occupancy.FusionOccupancy`, Bayesian fusion of
  every signal (docs/fusion.md), judged once per fusion step;
- ``holds``: :class:`HoldsEngine`, the hold rules of :class:`edge.occupancy.OccupancyMachine`.

Like the rules behind them, engines are pure logic on the terminal's monotonic clock: every
input carries its time, nothing reads a clock or sleeps. Every method that takes an input
returns the changes it caused, oldest first, each stamped with when it happened.
"""

from collections.abc import Iterable
from typing import Protocol

from contract.terminal_config import TerminalConfig
from edge.fusion.signals import Signal
from edge.fusion_occupancy import FusionOccupancy
from edge.occupancy import OccupancyLayout, OccupancyMachine, SpaceSnapshot, StateChange
from edge.sensors import SensorEvent


class OccupancyEngine(Protocol):
    def sensor_changed(self, event: SensorEvent) -> list[StateChange]:
        """A binary sensor's level changed (from edge/sensors.py)."""
        ...

    def observe(self, signal: Signal) -> list[StateChange]:
        """Anything else a room says: people counts, the speech flag, CO2."""
        ...

    def advance(self, now: float) -> list[StateChange]:
        """Let time pass up to ``now``."""
        ...

    def next_deadline(self) -> float | None:
        """The monotonic time of the next change that may happen without new input."""
        ...

    def snapshot(self) -> list[SpaceSnapshot]:
        """The room first, then the desks in configuration order, as last reported."""
        ...

    @property
    def hears_counts(self) -> bool:
        """Whether people counters are worth reading for this engine."""
        ...


class HoldsEngine:
    """The hold rules: binary sensors and hold times only (counts, speech and CO2 are ignored)."""

    hears_counts = False

    def __init__(self, machine: OccupancyMachine) -> None:
        self.machine = machine

    def sensor_changed(self, event: SensorEvent) -> list[StateChange]:
        return self.machine.sensor_changed(event.sensor_id, event.active, event.at_monotonic)

    def observe(self, signal: Signal) -> list[StateChange]:
        return []

    def advance(self, now: float) -> list[StateChange]:
        return self.machine.advance(now)

    def next_deadline(self) -> float | None:
        return self.machine.next_deadline()

    def snapshot(self) -> list[SpaceSnapshot]:
        return self.machine.snapshot()


def build_engine(
    config: TerminalConfig, now: float, active_sensors: Iterable[str] = ()
) -> OccupancyEngine:
    """The engine ``config.occupancy.estimator`` names, starting at ``now`` with the binary
    sensors in ``active_sensors`` active (read at start-up)."""
    if config.occupancy.estimator == "holds":
        layout = OccupancyLayout.from_config(config)
        return HoldsEngine(OccupancyMachine(layout, now, active_sensors))
    return FusionOccupancy(config, now, active_sensors)
