"""People walking through a simulated doorway: beam edges played on MockFactory pins.

A passage is a list of :class:`BeamEdge` items in seconds from its start; :class:`DoorWalker`
plays them in time order on the real gpiozero devices of :class:`DoorBeams`, moving time with
the ``wait`` it is given (``FakeClock.advance`` in tests), so the counter sees exactly the
callbacks a Pi would produce.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from edge.counting.crossings import Beam
from edge.counting.door_beams import DoorBeams
from edge.sensors import drive_mock_pin

# Walking at ~1.2 m/s, a body 40-50 cm deep breaks a beam for about 0.4 s, and beams 10 cm
# apart are broken about 0.1 s after each other.
BODY_S = 0.4
LAG_S = 0.1
_ORDER: dict[str, tuple[Beam, Beam]] = {"in": ("a", "b"), "out": ("b", "a")}


@dataclass(frozen=True)
class BeamEdge:
    at_s: float
    beam: Beam
    broken: bool


def walk(
    direction: Literal["in", "out"],
    start_s: float = 0.0,
    body_s: float = BODY_S,
    lag_s: float = LAG_S,
) -> list[BeamEdge]:
    """One person walking ``in`` (corridor beam A first) or ``out``."""
    first, second = _ORDER[direction]
    return [
        BeamEdge(start_s, first, True),
        BeamEdge(start_s + lag_s, second, True),
        BeamEdge(start_s + body_s, first, False),
        BeamEdge(start_s + body_s + lag_s, second, False),
    ]


def turn_back(
    side: Beam = "a", start_s: float = 0.0, reach_other: bool = False, body_s: float = 0.6
) -> list[BeamEdge]:
    """Someone steps into the doorway from ``side`` and turns round, maybe touching the far beam."""
    other: Beam = "b" if side == "a" else "a"
    edges = [BeamEdge(start_s, side, True), BeamEdge(start_s + body_s, side, False)]
    if reach_other:
        edges += [
            BeamEdge(start_s + 0.2, other, True),
            BeamEdge(start_s + body_s - 0.2, other, False),
        ]
    return edges


def flicker(edges: list[BeamEdge], beam: Beam, at_s: float, gap_s: float = 0.05) -> list[BeamEdge]:
    """A leg or a bag lets the beam through for ``gap_s`` in the middle of a break."""
    return [*edges, BeamEdge(at_s, beam, False), BeamEdge(at_s + gap_s, beam, True)]


class DoorWalker:
    def __init__(self, beams: DoorBeams, wait: Callable[[float], None]) -> None:
        self._beams = beams
        self._wait = wait

    def play(self, edges: Iterable[BeamEdge]) -> None:
        """Drive the pins in time order, then wait past the settle time so the passage ends."""
        elapsed = 0.0
        for edge in sorted(edges, key=lambda e: e.at_s):
            self._wait(max(0.0, edge.at_s - elapsed))
            elapsed = max(elapsed, edge.at_s)
            pin = self._beams.devices[edge.beam].pin
            drive_mock_pin(pin, edge.broken, self._beams.active_low)
        self._wait(1.0)
