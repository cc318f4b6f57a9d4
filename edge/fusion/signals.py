"""What occupancy fusion hears, and what it says: the interface between the terminal's sensors
(and the scenario simulator) and any occupancy estimator.

Time is the terminal's monotonic clock in seconds, passed in with every call: estimators never
read a clock, so a simulated day runs in milliseconds and tests use plain numbers.

Signals (``Signal.kind``):

- ``pir`` — a PIR motion output level (True while it pulses high).
- ``presence`` — an mmWave presence output level (True while it sees someone).
- ``door`` — a door contact level (True while the door is *closed*).
- ``desk`` — a desk presence level (``desk`` names the desk).
- ``speech`` — the speech-activity flag from the speech pipeline (True while people talk);
  never audio.
- ``co2`` — a CO2 reading in ppm (``value`` is the number).
- ``count`` — a people count from a counting sensor (``value`` is the count, ``confidence``
  how sure it is, ``at_least`` True when the sensor saturates, e.g. LD2450's "3").

Levels are sent on every change (and may be repeated); readings whenever they are taken.
"""

from dataclasses import dataclass, field
from typing import Literal, Protocol

SignalKind = Literal["pir", "presence", "door", "desk", "speech", "co2", "count"]


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    source: str  # the sensor id (or "speech" for the speech-activity flag)
    at: float  # monotonic seconds
    value: float  # levels: 1.0 (active / closed) or 0.0; co2: ppm; count: people
    confidence: float = 1.0  # count: how sure the counter is
    at_least: bool = False  # count: the sensor saturates at this value ("3 or more")
    desk: str | None = None  # desk: which desk


@dataclass(frozen=True)
class Estimate:
    """The room at one moment: occupied or not, how likely, how many, and why."""

    occupied: bool
    probability: float  # P(occupied), 0..1
    band: int | None  # 0, 1, 2, 3 (= 3 or more), or finer; None: nothing can tell
    band_confidence: float  # 0..1
    # The sources that decided, strongest first (sensor ids, "speech", "door_sealed"...):
    # what the hub's audit trail shows.
    signals: tuple[str, ...] = ()
    desks: dict[str, bool] = field(default_factory=dict)  # desk id -> occupied


class Estimator(Protocol):
    def observe(self, signal: Signal) -> None:
        """Take one signal; signals come in time order."""
        ...

    def estimate(self, now: float) -> Estimate:
        """The room at ``now`` (never earlier than the last signal)."""
        ...
