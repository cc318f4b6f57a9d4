"""The ``fusion:`` section of a terminal configuration: the tunable numbers of occupancy fusion.

Every field has a default, so the section is optional; docs/fusion.md explains each number. The
likelihoods are priors to be replaced by ``python -m edge calibrate`` (issue 8, step 3), which
fits them from labelled sessions and writes this same section back. A section dumped with every
default (``model_dump``) loads again unchanged.

A likelihood is a pair of probabilities per time step (``fusion.step``, default 5 s): how often an
observation is made in an occupied room and in an empty one. Each observation of a sensor kind
("active": a PIR pulse, presence high, count > 0...; "quiet": no pulse, presence low, count 0...)
has its own pair, not the complement of the other, because steps are not independent: a still
reader is missed by the PIR for fifty steps in a row, so silence is much weaker evidence than
``1 - P(pulse)`` would make it (docs/fusion.md, "Why silence is weak").
"""

import math
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract.units import Duration

Probability = Annotated[float, Field(gt=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Likelihood(_Strict):
    """P(observation in one step | occupied) and P(observation in one step | empty)."""

    occupied: Probability
    empty: Probability

    @property
    def llr(self) -> float:
        """The log-likelihood ratio this observation adds to the log-odds of "occupied"."""
        return math.log(self.occupied / self.empty)


def _pair(occupied: float, empty: float) -> Likelihood:
    return Likelihood(occupied=occupied, empty=empty)


#: No evidence either way (ratio 1): e.g. silence of the speech flag, an unsealed door.
NEUTRAL = _pair(1.0, 1.0)


class KindLikelihoods(_Strict):
    """One evidence kind: its "active" observation favours occupied, its "quiet" one empty.

    Levels may weigh a high level by how long it has lasted (drop-outs under 15 s do not end
    it): ``onset`` replaces ``active`` for its first ``onset_for`` seconds, ``held`` from
    ``held_after`` seconds on. A radar's false alarms (fans, curtains) come in bursts of seconds
    while people stay for minutes; a seat pad that stays high for hours may be feeling a jacket.
    """

    active: Likelihood
    quiet: Likelihood = NEUTRAL
    onset: Likelihood | None = None
    onset_for: Duration = 0.0
    held: Likelihood | None = None
    held_after: Duration | None = None

    @model_validator(mode="after")
    def _directions(self) -> "KindLikelihoods":
        # Swapped numbers are the likely mistake: a pulse that means "empty" is never intended.
        for name in ("active", "onset", "held"):
            pair: Likelihood | None = getattr(self, name)
            if pair is not None and pair.occupied < pair.empty:
                raise ValueError(
                    f"{name}: P(active | occupied) {pair.occupied} is lower than "
                    f"P(active | empty) {pair.empty}, so it would mean 'empty': swapped?"
                )
        if self.quiet.occupied > self.quiet.empty:
            raise ValueError(
                f"quiet: P(quiet | occupied) {self.quiet.occupied} is higher than "
                f"P(quiet | empty) {self.quiet.empty}, so it would mean 'occupied': swapped?"
            )
        if (self.onset is None) != (self.onset_for == 0.0):
            raise ValueError("onset and onset_for go together: give both or neither")
        if (self.held is None) != (self.held_after is None):
            raise ValueError("held and held_after go together: give both or neither")
        if self.held_after is not None and self.held_after <= self.onset_for:
            raise ValueError("held_after must be longer than onset_for")
        return self

    def for_run(self, high_for: float) -> Likelihood:
        """The pair for a step in which the level has been high for ``high_for`` seconds."""
        if self.onset is not None and high_for < self.onset_for:
            return self.onset
        if self.held is not None and self.held_after is not None and high_for >= self.held_after:
            return self.held
        return self.active


#: Defaults for 5-second steps (log-likelihood ratio in brackets; docs/fusion.md, "Defaults").
DEFAULT_LIKELIHOODS: dict[str, KindLikelihoods] = {
    # A pulse: people move often enough (1 step in 10 while seated); an empty room pulses about
    # once in 20 minutes (heating, sun, a passer-by seen through glass). [+3.2 / -0.07]
    "pir": KindLikelihoods(active=_pair(0.10, 0.004), quiet=_pair(0.93, 1.0)),
    # mmWave sees breathing: high is strong, low is moderate (it loses still people briefly).
    # [+3.4 / -0.36]
    # Its first 45 s count little: fans and curtains in a draught make it fire for 5-30 s at a
    # time (LD2410 notes warn of both), a person stays. [onset +0.4]
    "presence": KindLikelihoods(
        active=_pair(0.90, 0.03), quiet=_pair(0.70, 1.0), onset=_pair(0.9, 0.6), onset_for=45.0
    ),
    # A desk sensor in use; a quiet desk says little about the room (people sit elsewhere).
    # The desk's own state uses the same pair: quiet takes ~10 min to release a desk. [+3.4/-0.03]
    # After 10 min of a level that never dropped, it counts little: a seat pad feels a jacket as
    # well as a person, and a person at a desk also moves for the PIR or breathes for the radar;
    # so the room's other sensors decide. [held +0.18]
    "desk": KindLikelihoods(
        active=_pair(0.60, 0.02), quiet=_pair(0.97, 1.0), held=_pair(0.6, 0.5), held_after=600.0
    ),
    # Voice activity: VAD ignores ventilation, but a radio or a call on a speaker can fool it, so
    # the ratio is bounded; silence is no evidence (people read quietly). [+3.0 / 0]
    "speech": KindLikelihoods(active=_pair(0.40, 0.02)),
    # CO2 rising above the outdoor level: someone breathes in there. It lags minutes: the slope
    # still rises for a while after people have left (and a door opening onto a busy corridor
    # raises it too), so it confirms rather than decides, weaker than a quiet radar and counter
    # together; falling is weak (ventilation also lowers it with people inside). [+0.69 / -0.16]
    "co2": KindLikelihoods(active=_pair(0.40, 0.20), quiet=_pair(0.85, 1.0)),
    # A counter: count > 0 / count 0, each scaled by the reading's confidence. [+4.5 / -0.64]
    "count": KindLikelihoods(active=_pair(0.90, 0.01), quiet=_pair(0.50, 0.95)),
    # Door beams count ins minus outs: a memory, not a sighting. People pressed together through
    # the door count once, so the count drifts and may say 2 in an empty room for hours; it is
    # weak evidence both ways (less than a quiet radar), and mostly tells the band. [+0.3 / -0.4]
    "door_count": KindLikelihoods(active=_pair(0.90, 0.67), quiet=_pair(0.60, 0.90)),
    # The closed-door latch (someone seen inside since every door closed): it outweighs the
    # quiet of all other sensors together (PIR, radar, CO2, a desk and a counter reading 0, about
    # -1.3: counters lose still people too), so only opening a door ends it. [+2.25 / 0]
    "door_sealed": KindLikelihoods(active=_pair(0.95, 0.10)),
}

EVIDENCE_KINDS = tuple(DEFAULT_LIKELIHOODS)


class LikelihoodTable(_Strict):
    """Per evidence kind; a partial override (only ``pir.active``) keeps the other defaults."""

    pir: KindLikelihoods = DEFAULT_LIKELIHOODS["pir"]
    presence: KindLikelihoods = DEFAULT_LIKELIHOODS["presence"]
    desk: KindLikelihoods = DEFAULT_LIKELIHOODS["desk"]
    speech: KindLikelihoods = DEFAULT_LIKELIHOODS["speech"]
    co2: KindLikelihoods = DEFAULT_LIKELIHOODS["co2"]
    count: KindLikelihoods = DEFAULT_LIKELIHOODS["count"]
    door_count: KindLikelihoods = DEFAULT_LIKELIHOODS["door_count"]
    door_sealed: KindLikelihoods = DEFAULT_LIKELIHOODS["door_sealed"]

    @model_validator(mode="before")
    @classmethod
    def _fill_from_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        merged: dict[str, Any] = {}
        for kind, given in data.items():
            default = DEFAULT_LIKELIHOODS.get(kind)
            if default is not None and isinstance(given, dict):
                given = {**default.model_dump(), **given}
            merged[kind] = given
        return merged

    def of(self, kind: str) -> KindLikelihoods:
        result: KindLikelihoods = getattr(self, kind)
        return result


class Co2Section(_Strict):
    # Outdoor air is ~420 ppm; below baseline + margin CO2 says nothing (sensor offset, drift).
    baseline: float = Field(default=420.0, ge=0.0)
    margin: float = Field(default=30.0, ge=0.0)
    # The slope is a least-squares fit over this window: 10 min averages out ±30 ppm noise to
    # about ±1 ppm/min.
    window: Duration = Field(default=600.0, gt=0)
    min_readings: int = Field(default=5, ge=2)
    # One seated adult adds ~10 ppm/min to a 30 m3 room before ventilation catches up.
    rising: float = Field(default=3.0, gt=0.0, description="ppm per minute")
    # ...and over the last ``recent`` seconds it must not be falling: the 10-minute slope lags,
    # and stays "rising" for minutes after people have left; the recent part turns at once.
    recent: Duration = Field(default=180.0, gt=0)
    falling: float = Field(default=3.0, gt=0.0, description="ppm per minute, downwards")


class FusionSection(_Strict):
    """Occupancy fusion (docs/fusion.md). Every number has a documented default."""

    # The filter's time step; the likelihoods are per step, so changing it needs a recalibration.
    step: Duration = Field(default=5.0, gt=0.0, le=60.0)
    # The transition prior: mean time a room stays occupied, and stays empty (a meeting, and the
    # gap between meetings). Only felt when sensors say nothing.
    occupied_stay: Duration = Field(default=2700.0, gt=0.0)
    empty_stay: Duration = Field(default=7200.0, gt=0.0)
    # Hysteresis of the boolean: on at p >= on_threshold, off at p <= off_threshold.
    on_threshold: float = Field(default=0.7, gt=0.0, lt=1.0)
    off_threshold: float = Field(default=0.3, gt=0.0, lt=1.0)
    # The probability is clamped to [1 - max, max] so that a change of state is seen within a
    # few steps however long the room was in its state (0.99: log-odds +-4.6).
    max_probability: float = Field(default=0.99, gt=0.5, lt=1.0)
    # A door closed this long before someone is seen inside seals the room: the level of a PIR
    # or radar still high from a person who just left dies within this time.
    door_settle: Duration = Field(default=10.0, ge=0.0)
    # ...and the room must have been judged occupied this long: a blip or two make a room with a
    # quiet radar occupied for about a minute, and must not lock it.
    door_confirm: Duration = Field(default=90.0, ge=0.0)
    # The chance that a door opening ends a sealed spell (everyone leaves through it): the
    # transition prior for that step. Doors also open for people coming in and stepping out;
    # what is seen afterwards decides, within a minute with only a PIR.
    door_open_leave: float = Field(default=0.5, ge=0.0, lt=1.0)
    # A counter's reading counts as evidence for this long after it was taken.
    count_fresh: Duration = Field(default=30.0, gt=0.0)
    # Bands 0..top_band (top = "top or more"); None: 3, or 5 when a counter that does not
    # saturate (thermal array, door beams) is configured.
    top_band: int | None = Field(default=None, ge=1, le=50)
    # Without a counter, occupied desks give the band as a lower bound with this confidence.
    desk_band_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    # Explanations weigh each source's evidence over roughly this half-life.
    explain_half_life: Duration = Field(default=120.0, gt=0.0)
    co2: Co2Section = Field(default_factory=Co2Section)
    likelihoods: LikelihoodTable = Field(default_factory=LikelihoodTable)

    @model_validator(mode="after")
    def _consistent(self) -> "FusionSection":
        if self.off_threshold >= self.on_threshold:
            raise ValueError(
                f"off_threshold {self.off_threshold} must be below on_threshold "
                f"{self.on_threshold} (the gap is the hysteresis)"
            )
        if self.on_threshold >= self.max_probability:
            raise ValueError(
                f"on_threshold {self.on_threshold} must be below max_probability "
                f"{self.max_probability}, or the room could never turn occupied"
            )
        if 1.0 - self.max_probability >= self.off_threshold:
            raise ValueError(
                f"off_threshold {self.off_threshold} must be above 1 - max_probability "
                f"({1.0 - self.max_probability:.3g}), or the room could never turn vacant"
            )
        for name in ("occupied_stay", "empty_stay"):
            if getattr(self, name) < self.step:
                raise ValueError(f"{name} must be at least one step ({self.step} s)")
        return self
