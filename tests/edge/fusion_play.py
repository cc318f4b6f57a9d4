"""A tiny score for fusion tests: levels and readings at plain-number times, played in order."""

from dataclasses import dataclass, field

from edge.fusion.engine import FusionEstimator
from edge.fusion.settings import FusionSensor, FusionSettings
from edge.fusion.signals import Estimate, Signal, SignalKind


def room(*sensors: tuple[str, str], desks: tuple[str, ...] = (), **desk_of: str) -> FusionSettings:
    """Settings for sensors given as (id, signal kind); desk sensors name their desk by keyword."""
    return FusionSettings(
        sensors=tuple(
            FusionSensor.model_validate({"id": i, "signal": k, "desk": desk_of.get(i)})
            for i, k in sensors
        ),
        desks=desks,
    )


@dataclass
class Score:
    signals: list[Signal] = field(default_factory=list)

    def level(
        self,
        kind: SignalKind,
        source: str,
        at: float,
        until: float | None = None,
        desk: str | None = None,
    ) -> "Score":
        """A level high at ``at`` (and low again at ``until``, if given)."""
        self.signals.append(Signal(kind, source, at, 1.0, desk=desk))
        if until is not None:
            self.signals.append(Signal(kind, source, until, 0.0, desk=desk))
        return self

    def low(self, kind: SignalKind, source: str, at: float) -> "Score":
        self.signals.append(Signal(kind, source, at, 0.0))
        return self

    def pulses(
        self, source: str, start: float, end: float, every: float, width: float = 3.0
    ) -> "Score":
        """PIR pulses of ``width`` seconds every ``every`` seconds from ``start`` to ``end``."""
        t = start
        while t < end:
            self.level("pir", source, t, t + width)
            t += every
        return self

    def door(self, source: str, at: float, closed: bool) -> "Score":
        self.signals.append(Signal("door", source, at, 1.0 if closed else 0.0))
        return self

    def count(
        self, source: str, at: float, value: int, confidence: float = 0.9, at_least: bool = False
    ) -> "Score":
        self.signals.append(Signal("count", source, at, value, confidence, at_least))
        return self

    def co2(self, at: float, ppm: float) -> "Score":
        self.signals.append(Signal("co2", "co2-1", at, ppm))
        return self

    def play(
        self, settings: FusionSettings, until: float, every: float = 60.0, start: float = 0.0
    ) -> dict[float, Estimate]:
        """Estimates every ``every`` seconds from ``start`` to ``until`` (inclusive)."""
        estimator = FusionEstimator(settings)
        pending = sorted(self.signals, key=lambda s: s.at)
        out: dict[float, Estimate] = {}
        t, i = start, 0
        while t <= until:
            while i < len(pending) and pending[i].at <= t:
                estimator.observe(pending[i])
                i += 1
            out[t] = estimator.estimate(t)
            t += every
        return out


def occupied_between(estimates: dict[float, Estimate], start: float, end: float) -> bool:
    return all(e.occupied for t, e in estimates.items() if start <= t <= end)


def vacant_between(estimates: dict[float, Estimate], start: float, end: float) -> bool:
    return not any(e.occupied for t, e in estimates.items() if start <= t <= end)


def first_vacant_after(estimates: dict[float, Estimate], start: float) -> float | None:
    return next((t for t, e in sorted(estimates.items()) if t >= start and not e.occupied), None)
