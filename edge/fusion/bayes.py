"""A two-state hidden Markov model (occupied / empty) filtered one time step at a time.

Each step first *predicts* (the room may have changed state since the last step, at the rates of
the transition prior) and then *updates* with the sum of the sensors' log-likelihood ratios, which
is Bayes' rule in log-odds when the sensors are independent given the state. The log-odds are
clamped so that however long a room has been occupied, strong evidence of the opposite flips it
within a few steps; the boolean has hysteresis so that a probability wobbling around one half does
not flap.
"""

import math

from contract.fusion_config import FusionSection


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class BinaryFilter:
    def __init__(self, tuning: FusionSection) -> None:
        # Per-step switching probabilities from mean stays (exponential stays: 1 - e^(-dt/T)).
        self._leave = -math.expm1(-tuning.step / tuning.occupied_stay)  # occupied -> empty
        self._arrive = -math.expm1(-tuning.step / tuning.empty_stay)  # empty -> occupied
        self._limit = logit(tuning.max_probability)
        self._on = tuning.on_threshold
        self._off = tuning.off_threshold
        # Start at the prior's long-run share of occupied time (about 0.27 by default): the
        # first steps of evidence decide, nothing is assumed.
        self.log_odds = logit(self._arrive / (self._arrive + self._leave))
        self.occupied = False

    @property
    def probability(self) -> float:
        return sigmoid(self.log_odds)

    def step(self, evidence: float, leave: float = 0.0) -> float:
        """One time step: predict with the transition prior, update with ``evidence`` (the sum of
        log-likelihood ratios seen in the step), clamp, and apply the hysteresis.

        ``leave`` is an extra chance that an occupied room empties in this step (a door opened
        on a sealed room). Returns what it moved the log-odds by, for explanations (0 without).
        """
        p = self.probability
        predicted = p * (1.0 - self._leave) + (1.0 - p) * self._arrive
        moved = 0.0
        if leave > 0.0:
            after = predicted * (1.0 - leave)
            moved = logit(max(after, 1e-9)) - logit(predicted)
            predicted = after
        self.log_odds = max(-self._limit, min(self._limit, logit(predicted) + evidence))
        self._hysteresis()
        return moved

    def _hysteresis(self) -> None:
        p = self.probability
        if not self.occupied and p >= self._on:
            self.occupied = True
        elif self.occupied and p <= self._off:
            self.occupied = False
