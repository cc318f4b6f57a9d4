"""Which way people went through a doorway, from two break beams: pure logic on edges.

Beam A is on the corridor side, beam B on the room side, mounted closer together (5-15 cm)
than a body is deep, so one person breaks both at once for a moment. Each beam's breaks are
intervals; a body walking in breaks A first and leaves B last::

    in:      A [----]          out:     A    [----]       turned back:  A [--------]
             B    [----]                B [----]                        B    [--]

Edges are grouped into a *passage*: from the first break while both beams are clear until both
have been clear for ``settle_s``. Within a passage the breaks of each beam are paired in order
(first A with first B, ...), which separates people walking one behind the other
(tailgating) as long as each beam sees a gap between them. Each pair is classified by which
beam broke first and which cleared last; a break without a partner, or one pair nested in the
other, is someone who stepped into the doorway and turned back: no change to the count.

A gap shorter than ``merge_gap_s`` on one beam is the same body (legs, a swinging bag), not a
second person. Two people pressed together through the door with no gap on either beam count
as one: an inherent limit of two beams, which the counter's confidence allows for.
"""

from dataclasses import dataclass, field
from typing import Literal

Beam = Literal["a", "b"]
Direction = Literal["in", "out", "turned_back"]


@dataclass(frozen=True)
class Crossing:
    direction: Direction
    at_monotonic: float  # when the passage ended (both beams clear)
    # A break left unpaired in a passage where the other beam was broken too: ambiguous.
    doubtful: bool = False


@dataclass
class _Passage:
    breaks: dict[Beam, list[list[float]]] = field(default_factory=lambda: {"a": [], "b": []})


class CrossingDecoder:
    """Turns beam edges, in time order, into :class:`Crossing` items."""

    def __init__(self, merge_gap_s: float = 0.15, settle_s: float = 0.5) -> None:
        self.merge_gap_s = merge_gap_s
        self.settle_s = settle_s
        self._broken: dict[Beam, bool] = {"a": False, "b": False}
        self._broken_at: dict[Beam, float | None] = {"a": None, "b": None}
        self._passage: _Passage | None = None
        self._clear_since: float | None = None

    def edge(self, beam: Beam, broken: bool, at: float) -> list[Crossing]:
        """One beam changed; returns the crossings of a passage this edge proved finished."""
        done = self.flush(at)
        if broken == self._broken[beam]:
            return done  # a repeated level (e.g. at start-up): nothing changed
        self._broken[beam] = broken
        self._broken_at[beam] = at if broken else None
        if broken:
            if self._passage is None:
                self._passage = _Passage()
            intervals = self._passage.breaks[beam]
            if intervals and at - intervals[-1][1] < self.merge_gap_s:
                intervals[-1][1] = float("inf")  # the same body again: reopen its interval
            else:
                intervals.append([at, float("inf")])
            self._clear_since = None
        elif self._passage is not None:
            intervals = self._passage.breaks[beam]
            if intervals:  # else it was broken before the passage began (e.g. at start-up)
                intervals[-1][1] = at
            if not any(self._broken.values()):
                self._clear_since = at
        return done

    def blocked_for(self, now: float) -> float:
        """How long a beam has been broken without a break (0 when both are clear)."""
        return max((now - t for t in self._broken_at.values() if t is not None), default=0.0)

    def flush(self, now: float) -> list[Crossing]:
        """The crossings of a passage whose beams have been clear for ``settle_s`` by ``now``."""
        if self._passage is None or self._clear_since is None:
            return []
        if now - self._clear_since < self.settle_s:
            return []
        passage, at = self._passage, self._clear_since
        self._passage, self._clear_since = None, None
        return _classify(passage, at)


def _classify(passage: _Passage, at: float) -> list[Crossing]:
    a, b = passage.breaks["a"], passage.breaks["b"]
    crossings = []
    for (a0, a1), (b0, b1) in zip(a, b, strict=False):
        if a0 < b0 and a1 < b1:
            crossings.append(Crossing("in", at))
        elif b0 < a0 and b1 < a1:
            crossings.append(Crossing("out", at))
        else:
            crossings.append(Crossing("turned_back", at))
    # Breaks left over on one beam, while the other beam saw someone too, could as well have
    # been paired differently: flag them, once each.
    doubtful = min(len(a), len(b)) > 0
    for _ in range(abs(len(a) - len(b))):
        crossings.append(Crossing("turned_back", at, doubtful))
    return crossings
