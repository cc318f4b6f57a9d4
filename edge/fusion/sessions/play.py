"""Playing a session: the ground truth turned into the Signal stream of edge/fusion/signals.py,
the same for the same seed, and the terminal configuration of the session's room.

Every sensor draws from its own generator (seeded with the session, the seed and the sensor),
so adding a sensor to a room does not change what the others report.
"""

import random
from dataclasses import dataclass

from contract.terminal_config import TerminalConfig
from edge.fusion.sessions import counters, levels
from edge.fusion.sessions.loader import LoadedSession
from edge.fusion.sessions.schema import Session
from edge.fusion.signals import Signal, SignalKind

#: The signal source (sensor id) of each room sensor; desk sensors are ``desk-<desk id>``.
SOURCES = {
    "pir": "pir",
    "presence": "presence",
    "door": "door",
    "speech": "speech",
    "co2": "co2",
    "ld2450": "ld2450",
    "thermal": "thermal",
    "door_beams": "door-beams",
}
_LEVEL_KINDS: dict[str, SignalKind] = {"pir": "pir", "presence": "presence", "door": "door"}
# Free GPIO pins for the generated config (not the I2C or UART pins 2, 3, 14, 15).
_PINS = (4, 5, 6, 12, 13, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27)


@dataclass(frozen=True)
class Played:
    loaded: LoadedSession
    seed: int
    signals: list[Signal]  # in time order

    @property
    def name(self) -> str:
        return self.loaded.name


def play(loaded: LoadedSession, seed: int) -> Played:
    def rng(part: str) -> random.Random:
        return random.Random(f"{loaded.name}/{seed}/{part}")

    room = loaded.session.room
    world = levels.World.build(loaded.truth, room, rng("world"))
    signals: list[Signal] = []
    for name in room.sensors:
        source = SOURCES[name]
        if name in _LEVEL_KINDS:
            model = getattr(levels, name)
            value = model(world) if name == "door" else model(world, rng(name))
            signals += _changes(_LEVEL_KINDS[name], source, value)
        elif name == "speech":
            signals += _changes("speech", source, levels.speech(world, rng(name)))
        else:
            signals += getattr(counters, name)(world, rng(name))
    for desk in room.desks:
        value = levels.desk(world, desk.id, desk.sensor, rng(f"desk-{desk.id}"))
        signals += _changes("desk", f"desk-{desk.id}", value, desk.id)
    signals.sort(key=lambda s: s.at)  # stable: one sensor's signals keep their order
    return Played(loaded, seed, signals)


def _changes(
    kind: SignalKind, source: str, value: list[bool], desk: str | None = None
) -> list[Signal]:
    """The level at the start, then every change."""
    out = [Signal(kind, source, 0.0, float(value[0]), desk=desk)] if value else []
    for t in range(1, len(value)):
        if value[t] != value[t - 1]:
            out.append(Signal(kind, source, float(t), float(value[t]), desk=desk))
    return out


def terminal_config(session: Session) -> TerminalConfig:
    """A terminal configuration for the session's room, as a real terminal would have."""
    room = session.room
    pins = iter(f"GPIO{n}" for n in _PINS)
    kinds = {"pir": "pir_motion", "presence": "mmwave_presence", "door": "door_contact"}
    sensors: list[dict[str, object]] = []
    for name in room.sensors:
        entry: dict[str, object] = {"id": SOURCES[name]}
        if name in kinds:
            entry |= {"kind": kinds[name], "pin": next(pins)}
        elif name == "ld2450":
            zone = counters.RADAR_ZONE.model_dump(exclude_none=True)
            entry |= {"kind": "mmwave_targets", "port": "/dev/ttyUSB0", "zone": zone}
        elif name == "thermal":
            entry |= {"kind": "thermal_array"}
        elif name == "door_beams":
            entry |= {"kind": "door_beams", "pin_a": next(pins), "pin_b": next(pins)}
        else:
            continue  # speech and CO2 are not GPIO sensors
        sensors.append(entry)
    for desk in room.desks:
        entry = {"id": f"desk-{desk.id}", "kind": "desk_presence", "desk": desk.id}
        sensors.append(entry | {"pin": next(pins)})
    if not sensors:  # a room with only speech and CO2: the config needs one sensor
        sensors.append({"id": "pir", "kind": "pir_motion", "pin": next(pins)})
    slug = session.name.replace("_", "-")
    return TerminalConfig.model_validate(
        {
            "terminal": {"id": f"term-{slug}"},
            "site": {"id": "sim", "name": "Simulation"},
            "building": {"id": "sim-b", "name": "Simulated building"},
            "floor": {"id": "sim-f1", "name": "Floor 1"},
            "room": {
                "id": slug,
                "name": session.name,
                "kind": room.kind,
                "capacity": room.capacity,
                "timezone": "UTC",
            },
            "desks": [{"id": d.id} for d in room.desks],
            "sensors": sensors,
            "speech": {"enabled": "speech" in room.sensors, "activity": True},
        }
    )
