"""Which sources decided: the evidence of each source over the last few minutes, both ways.

Every step adds each source's log-likelihood ratio to a running sum that halves every
``half_life`` seconds, one sum for evidence towards occupied and one towards empty. An occupied
room is explained by the sources with the most evidence towards occupied, strongest first
("door_sealed", "presence-1"); a vacant room by those towards empty. When nothing spoke lately
(a PIR-only room a few minutes after its last pulse) the last source that spoke for the current
state is named, as today's occupancy machine does.
"""

import math

#: Sources weaker than this share of the strongest one are not named: they did not decide.
MIN_SHARE = 0.05
#: Decayed log-likelihood below this is noise (one quiet PIR step is about 0.1).
MIN_WEIGHT = 0.2
MAX_NAMED = 4


class Ledger:
    def __init__(self, step: float, half_life: float) -> None:
        self._decay = math.pow(0.5, step / half_life)
        self._toward: dict[bool, dict[str, float]] = {True: {}, False: {}}
        self._last: dict[bool, str | None] = {True: None, False: None}

    def add(self, contributions: list[tuple[str, float]]) -> None:
        for sums in self._toward.values():
            for source in sums:
                sums[source] *= self._decay
        for source, llr in contributions:
            if llr == 0.0:
                continue
            toward_occupied = llr > 0
            sums = self._toward[toward_occupied]
            sums[source] = sums.get(source, 0.0) + abs(llr)
            self._last[toward_occupied] = source

    def named(self, occupied: bool) -> tuple[str, ...]:
        sums = self._toward[occupied]
        strongest = max(sums.values(), default=0.0)
        ranked = sorted(
            (s for s, w in sums.items() if w >= MIN_WEIGHT and w >= MIN_SHARE * strongest),
            key=lambda s: -sums[s],
        )
        if ranked:
            return tuple(ranked[:MAX_NAMED])
        last = self._last[occupied]
        return (last,) if last is not None else ()
