"""Occupancy of one room and its desks, decided from binary sensor levels.

Pure logic: time comes in as a monotonic float with every call, nothing here
reads a clock or sleeps, so tests drive it with plain numbers.

Rules (docs/sensors.md explains them for people):

- Every occupancy sensor is a *level*: a PIR pulse is a short high level, a
  radar or desk presence output stays high while someone is there.
- A space is occupied while any of its sensors is active, and for its hold
  time after the last one dropped. Re-activation within the hold cancels it.
- An activation at the very instant the hold expires keeps the space occupied
  ("seen within the hold").
- The room listens to PIR motion and mmWave presence; desks to their
  desk_presence sensors. In a desk_area room desk sensors are room activity
  too, and the room is not vacant while any desk is still occupied.
- door_contact does not decide occupancy here (fusion does: edge/fusion_occupancy.py);
  the agent still publishes its transitions as sensor events.

The terminal runs these rules with ``occupancy.estimator: holds``; the default is fusion
(edge/occupancy_engine.py chooses).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from contract.terminal_config import RoomKind, SensorKind, TerminalConfig

SpaceKind = Literal["room", "desk"]

ROOM_SENSOR_KINDS = frozenset({SensorKind.PIR_MOTION, SensorKind.MMWAVE_PRESENCE})


@dataclass(frozen=True)
class StateChange:
    space: SpaceKind
    space_id: str
    occupied: bool
    at_monotonic: float
    # Sensor ids that decided: the one that became active, or the one whose
    # activity ended last when the hold ran out (with fusion: the sources that decided).
    signals: tuple[str, ...]
    # Fusion only (edge/fusion_occupancy.py); None from the hold rules.
    probability: float | None = None
    band: int | None = None
    band_top: int | None = None
    band_confidence: float | None = None


@dataclass(frozen=True)
class SpaceSnapshot:
    space: SpaceKind
    space_id: str
    occupied: bool
    signals: tuple[str, ...]
    probability: float | None = None
    band: int | None = None
    band_top: int | None = None
    band_confidence: float | None = None


@dataclass(frozen=True)
class SensorRole:
    sensor_id: str
    kind: SensorKind
    desk: str | None = None


@dataclass(frozen=True)
class OccupancyLayout:
    """What the state machine needs to know from a terminal configuration."""

    room_id: str
    desk_area: bool
    desk_ids: tuple[str, ...]
    sensors: tuple[SensorRole, ...]
    room_hold: float
    desk_hold: float

    @classmethod
    def from_config(cls, config: TerminalConfig) -> "OccupancyLayout":
        return cls(
            room_id=config.room.id,
            desk_area=config.room.kind is RoomKind.DESK_AREA,
            desk_ids=tuple(d.id for d in config.desks),
            sensors=tuple(SensorRole(s.id, s.kind, s.desk) for s in config.sensors),
            room_hold=config.occupancy.room_hold,
            desk_hold=config.occupancy.desk_hold,
        )


class _Space:
    """One room or desk: occupied while a signal is active and for ``hold`` after."""

    def __init__(self, kind: SpaceKind, space_id: str, hold: float) -> None:
        self.kind: SpaceKind = kind
        self.space_id = space_id
        self.hold = hold
        self.active: dict[str, None] = {}  # an ordered set of active sensor ids
        self.occupied = False
        self.released_at: float | None = None
        self.released_by: tuple[str, ...] = ()

    def activate(self, sensor_id: str, now: float) -> StateChange | None:
        if sensor_id in self.active:
            return None
        self.active[sensor_id] = None
        self.released_at = None
        if self.occupied:
            return None
        self.occupied = True
        return StateChange(self.kind, self.space_id, True, now, (sensor_id,))

    def deactivate(self, sensor_id: str, now: float) -> None:
        if sensor_id not in self.active:
            return  # a level we never saw rise (e.g. already low at start): nothing to end
        del self.active[sensor_id]
        if not self.active:
            self.released_at = now
            self.released_by = (sensor_id,)

    def own_deadline(self) -> float | None:
        if not self.occupied or self.active or self.released_at is None:
            return None
        return self.released_at + self.hold

    def vacate(self, at: float) -> StateChange:
        self.occupied = False
        self.released_at = None
        return StateChange(self.kind, self.space_id, False, at, self.released_by)

    def snapshot(self) -> SpaceSnapshot:
        signals = tuple(self.active) or (self.released_by if self.occupied else ())
        return SpaceSnapshot(self.kind, self.space_id, self.occupied, signals)


class OccupancyMachine:
    """Room and desk occupancy; every method returns the changes it caused, oldest first."""

    def __init__(
        self, layout: OccupancyLayout, now: float, active_sensors: Iterable[str] = ()
    ) -> None:
        self._layout = layout
        self._roles = {role.sensor_id: role for role in layout.sensors}
        self._room = _Space("room", layout.room_id, layout.room_hold)
        self._desks = {
            desk_id: _Space("desk", desk_id, layout.desk_hold) for desk_id in layout.desk_ids
        }
        # In a desk area the room may not turn vacant before the desk that was last in use.
        self._last_desk_vacated_at: float | None = None
        self._time = now
        for sensor_id in active_sensors:  # the levels read at start-up are state, not changes
            self._apply(sensor_id, True, now)

    # -- inputs ------------------------------------------------------------------

    def sensor_changed(self, sensor_id: str, active: bool, now: float) -> list[StateChange]:
        """A sensor's level changed at ``now``. Unknown sensor ids raise KeyError."""
        if sensor_id not in self._roles:
            raise KeyError(f"unknown sensor {sensor_id!r}")
        now = self._catch_up(now)
        # Holds that ran out strictly before this input come first; one expiring
        # at this very instant loses to the new activity.
        changes = self._expire(now, inclusive=False)
        changes += self._apply(sensor_id, active, now)
        changes += self._expire(now, inclusive=True)
        return changes

    def advance(self, now: float) -> list[StateChange]:
        """Let time pass: spaces whose hold ran out by ``now`` turn vacant."""
        return self._expire(self._catch_up(now), inclusive=True)

    # -- queries -----------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """The monotonic time of the next change that happens without new input."""
        deadlines = [d for d in (s.own_deadline() for s in self._desks.values()) if d is not None]
        room = self._room_deadline()
        if room is not None:
            deadlines.append(room)
        return min(deadlines, default=None)

    def snapshot(self) -> list[SpaceSnapshot]:
        """The room first, then the desks in configuration order."""
        return [self._room.snapshot()] + [desk.snapshot() for desk in self._desks.values()]

    @property
    def time(self) -> float:
        return self._time

    # -- internals ---------------------------------------------------------------

    def _catch_up(self, now: float) -> float:
        # Events are stamped in another thread and may reach us after we already
        # advanced past their stamp; treat them as happening "now" rather than
        # rewriting decisions already published.
        self._time = max(self._time, now)
        return self._time

    def _apply(self, sensor_id: str, active: bool, now: float) -> list[StateChange]:
        role = self._roles[sensor_id]
        targets: list[_Space] = []
        if role.kind is SensorKind.DESK_PRESENCE and role.desk is not None:
            targets.append(self._desks[role.desk])
            if self._layout.desk_area:
                targets.append(self._room)
        elif role.kind in ROOM_SENSOR_KINDS:
            targets.append(self._room)
        changes: list[StateChange] = []
        for space in targets:
            if active:
                change = space.activate(sensor_id, now)
                if change is not None:
                    changes.append(change)
            else:
                space.deactivate(sensor_id, now)
        return changes

    def _room_deadline(self) -> float | None:
        own = self._room.own_deadline()
        if own is None or not self._layout.desk_area:
            return own
        if any(desk.occupied for desk in self._desks.values()):
            return None  # the desk's own deadline wakes us; the room follows it
        return max(own, self._last_desk_vacated_at or own)

    def _expire(self, now: float, *, inclusive: bool) -> list[StateChange]:
        changes: list[StateChange] = []
        while True:
            due = self._earliest_due()
            if due is None:
                return changes
            at, space = due
            if at > now or (at == now and not inclusive):
                return changes
            changes.append(space.vacate(at))
            if space.kind == "desk":
                self._last_desk_vacated_at = at

    def _earliest_due(self) -> tuple[float, _Space] | None:
        # Desks before the room on ties: the room follows its last desk.
        best: tuple[float, _Space] | None = None
        for desk in self._desks.values():
            deadline = desk.own_deadline()
            if deadline is not None and (best is None or deadline < best[0]):
                best = (deadline, desk)
        room = self._room_deadline()
        if room is not None and (best is None or room < best[0]):
            best = (room, self._room)
        return best
