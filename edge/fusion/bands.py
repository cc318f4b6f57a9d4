"""The headcount band (0, 1, 2, 3+ or finer) and how sure it is, Density style.

With counters: a small Bayesian vote over the bands 0..top. The prior puts the fused occupancy
probability on "someone" (spread evenly over 1..top) and the rest on 0; each fresh reading with
confidence c is right with probability c and otherwise wrong in any other band alike. A reading
that saturates (an LD2450's 3 is "3 or more") supports every band from its count up; a count above
the top band is the top band. Occupied desks are a lower bound (a person per desk in use): bands
below it keep a tenth of their prior, since a bag on a seat pad can fool a desk sensor.

The band follows the fused state, so it never contradicts it: a vacant room is band 0 with the
vacancy's probability as its confidence, an occupied one the most probable band from 1 up, its
confidence the posterior of that band (a counter reading 0 in a room the other sensors call
occupied lowers it). Ties go to the smaller band: a lower bound is the honest answer when an
LD2450's "3 or more" alone has to be placed in finer bands.

Without a fresh counter the sensors cannot count. Then an occupied room reports the number of
occupied desks as a lower bound with ``desk_band_confidence`` (half by default), or, with no desk
in use, band None with confidence 0: "occupied, number unknown". A guessed "1" would be read as a
count by right-sizing reports.
"""

from collections.abc import Sequence

from edge.fusion.evidence import CountView

#: The prior kept by bands below the number of occupied desks.
BELOW_DESKS = 0.1


def _supports(reading: CountView, band: int, top: int) -> bool:
    count = min(reading.count, top)
    return band >= count if reading.at_least else band == count


def band_posterior(
    probability: float, readings: Sequence[CountView], desks_in_use: int, top: int
) -> list[float]:
    """P(band = b) for b in 0..top given the fused probability and the counters' readings."""
    prior = [1.0 - probability] + [probability / top] * top
    for band in range(1, min(desks_in_use, top)):  # "top" is "top or more": never below
        prior[band] *= BELOW_DESKS
    posterior = prior
    for reading in readings:
        # Never fully sure, never worthless: a 0 or 1 confidence would veto every other counter.
        c = min(max(reading.confidence, 0.01), 0.99)
        wrong = (1.0 - c) / top  # the other ``top`` bands share the chance of being wrong
        posterior = [
            w * (c if _supports(reading, band, top) else wrong) for band, w in enumerate(posterior)
        ]
    total = sum(posterior)
    return [w / total for w in posterior]


def estimate_band(
    *,
    occupied: bool,
    probability: float,
    readings: Sequence[CountView],
    desks_in_use: int,
    top: int,
    desk_confidence: float,
) -> tuple[int | None, float]:
    """(band, confidence) for an estimate; see the module docstring for the rules."""
    if not occupied:
        return 0, 1.0 - probability
    if readings:
        posterior = band_posterior(probability, readings, desks_in_use, top)
        best = max(range(1, top + 1), key=lambda b: (posterior[b], -b))
        return best, posterior[best]
    if desks_in_use:
        return min(desks_in_use, top), probability * desk_confidence
    return None, 0.0
