"""Per-source evidence: what each sensor said during one time step, as log-likelihood ratios.

Each tracker keeps the little state its kind needs (a level and whether it was high during the
step, a counter's latest reading, a window of CO2 readings) and turns one step into one number:
the log-likelihood ratio ln P(observation | occupied) / P(observation | empty) from the
``fusion.likelihoods`` table. A positive number favours occupied, a negative one empty.
"""

from collections import deque
from dataclasses import dataclass

from contract.fusion_config import Co2Section, KindLikelihoods

#: A level low for less than this has not ended its run: a radar's drop-outs while someone
#: sits still last a few seconds, the gap between two fan-made bursts minutes.
RUN_GAP_S = 15.0


class LevelTracker:
    """A binary level (PIR, presence, desk, speech): "active" if it was high at any moment of the
    step, so a drop-out shorter than a step is not seen at all and a short PIR pulse is not
    missed. How long it has been high picks the pair (``KindLikelihoods.for_run``)."""

    def __init__(self, likelihoods: KindLikelihoods) -> None:
        self.likelihoods = likelihoods
        self.level = False
        self._active_in_step = False
        self._high_since: float | None = None  # start of the current run of high
        self._low_since: float | None = None

    def set(self, active: bool, at: float) -> None:
        if active and not self.level:
            bridged = self._low_since is not None and at - self._low_since < RUN_GAP_S
            if self._high_since is None or not bridged:
                self._high_since = at
        elif not active and self.level:
            self._low_since = at
        self.level = active
        self._active_in_step = self._active_in_step or active

    def close_step(self, end: float) -> float:
        active = self._active_in_step
        self._active_in_step = self.level  # a level still high carries into the next step
        if not active:
            return self.likelihoods.quiet.llr
        high_for = end - (self._high_since if self._high_since is not None else end)
        return self.likelihoods.for_run(high_for).llr


@dataclass(frozen=True)
class CountView:
    """A counter's latest reading, as fusion and the bands see it."""

    source: str
    count: int
    confidence: float
    at: float
    at_least: bool  # the sensor saturates: ``count`` is a lower bound


class CountTracker:
    """A people counter: its latest reading while fresh, evidence scaled by its confidence."""

    def __init__(self, likelihoods: KindLikelihoods, fresh_for: float, accumulates: bool) -> None:
        self.likelihoods = likelihoods
        self.fresh_for = fresh_for
        self.accumulates = accumulates  # door beams: ins minus outs
        self.latest: CountView | None = None

    def set(self, reading: CountView) -> None:
        self.latest = reading

    def fresh(self, now: float) -> CountView | None:
        """The latest reading, or None once it is older than ``fresh_for`` (a silent counter is
        no evidence of an empty room)."""
        if self.latest is None or self.latest.at < now - self.fresh_for:
            return None
        return self.latest

    def close_step(self, end: float) -> float:
        reading = self.fresh(end)
        if reading is None:
            return 0.0
        pair = self.likelihoods.active if reading.count > 0 else self.likelihoods.quiet
        # Confidence c scales the evidence: c = 0.5 counts half as much as a sure reading.
        return reading.confidence * pair.llr


class Co2Tracker:
    """CO2 in ppm: the slope over a window says whether people are breathing in the room."""

    def __init__(self, likelihoods: KindLikelihoods, settings: Co2Section) -> None:
        self.likelihoods = likelihoods
        self.settings = settings
        self._readings: deque[tuple[float, float]] = deque()

    def add(self, at: float, ppm: float) -> None:
        self._readings.append((at, ppm))

    def slope(self, now: float, over: float | None = None) -> float | None:
        """Least-squares slope in ppm per minute over the window (or its last ``over`` seconds),
        or None with too few readings (fewer than ``min_readings``, or spanning less than half
        of the span)."""
        window = self.settings.window
        while self._readings and self._readings[0][0] < now - window:
            self._readings.popleft()
        span = window if over is None else min(over, window)
        points = [(t, v) for t, v in self._readings if t >= now - span]
        if len(points) < self.settings.min_readings or points[-1][0] - points[0][0] < span / 2:
            return None
        mean_t = sum(t for t, _ in points) / len(points)
        mean_v = sum(v for _, v in points) / len(points)
        var = sum((t - mean_t) ** 2 for t, _ in points)
        cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
        return cov / var * 60.0

    def close_step(self, end: float) -> float:
        slope = self.slope(end)
        if slope is None:
            return 0.0
        latest = self._readings[-1][1]
        above = latest >= self.settings.baseline + self.settings.margin
        if slope >= self.settings.rising and above and not self._turned(end):
            return self.likelihoods.active.llr
        if slope <= -self.settings.falling:
            return self.likelihoods.quiet.llr
        return 0.0  # flat: a ventilated room in steady state, full or empty

    def _turned(self, end: float) -> bool:
        """The long slope still rises but the recent part falls: people have left (CO2 decays
        from the moment they go), or the ventilation caught up; either way no evidence."""
        recent = self.slope(end, self.settings.recent)
        return recent is not None and recent < 0.0
