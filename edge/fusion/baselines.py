"""Baseline estimators, and the estimators the evaluation can run, by name.

- ``pir_only``: the PIR-only state the issue measures fusion against: today's rule
  (edge/occupancy.py: occupied while a sensor is active and for the room hold after) fed with
  the room's PIR sensors only, default hold.
- ``any_sensor``: today's terminal as it is: the same machine with every sensor it listens to
  (PIR, mmWave presence, and desk sensors in a desk area).
- ``fused``: the fusion engine (edge/fusion/engine.py, ``FusionEstimator``) when it is there.

Anything else is ``module:callable``, a factory taking the room's TerminalConfig.
"""

import importlib
from collections.abc import Callable
from dataclasses import replace

from contract.terminal_config import SensorKind, TerminalConfig
from edge.fusion.signals import Estimate, Estimator, Signal
from edge.occupancy import OccupancyLayout, OccupancyMachine

EstimatorFactory = Callable[[TerminalConfig], Estimator]
_LEVELS = frozenset({"pir", "presence", "desk"})


class MachineEstimator:
    """An :class:`OccupancyMachine` behind the Estimator interface: levels in, state out."""

    def __init__(self, layout: OccupancyLayout, start: float = 0.0) -> None:
        self._machine = OccupancyMachine(layout, start)
        self._sensors = {role.sensor_id for role in layout.sensors}

    def observe(self, signal: Signal) -> None:
        if signal.kind in _LEVELS and signal.source in self._sensors:
            self._machine.sensor_changed(signal.source, signal.value >= 0.5, signal.at)

    def estimate(self, now: float) -> Estimate:
        self._machine.advance(now)
        room, *desks = self._machine.snapshot()
        # A rule has no probability and no count: certain either way, band unknown.
        return Estimate(
            occupied=room.occupied,
            probability=1.0 if room.occupied else 0.0,
            band=None,
            band_confidence=0.0,
            signals=room.signals,
            desks={d.space_id: d.occupied for d in desks},
        )


def pir_only(config: TerminalConfig) -> Estimator:
    layout = OccupancyLayout.from_config(config)
    pirs = tuple(s for s in layout.sensors if s.kind is SensorKind.PIR_MOTION)
    return MachineEstimator(replace(layout, sensors=pirs))


def any_sensor(config: TerminalConfig) -> Estimator:
    return MachineEstimator(OccupancyLayout.from_config(config))


def fused(config: TerminalConfig) -> Estimator:
    # Imported when asked for: the engine is another module's work and may not be there yet.
    from edge.fusion.engine import FusionEstimator
    from edge.fusion.settings import FusionSettings

    return FusionEstimator(FusionSettings.from_terminal_config(config))


ESTIMATORS: dict[str, EstimatorFactory] = {
    "pir_only": pir_only,
    "any_sensor": any_sensor,
    "fused": fused,
}


def fused_available() -> bool:
    try:
        importlib.import_module("edge.fusion.engine")
    except ImportError:
        return False
    return True


def factory(name: str) -> EstimatorFactory:
    """A registered estimator, or ``package.module:callable``; ValueError says what exists."""
    if name in ESTIMATORS:
        return ESTIMATORS[name]
    module_name, _, attribute = name.partition(":")
    if not attribute:
        known = ", ".join(ESTIMATORS)
        raise ValueError(f"no estimator {name!r}: use one of {known}, or module:callable")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load estimator {name!r}: {exc}") from None
    factory_found: EstimatorFactory = found
    return factory_found
