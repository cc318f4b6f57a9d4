"""People counters and CO2 from the ground truth, through the counters' own simulators.

The LD2450 and AMG8833 simulators produce the sensors' real bytes and the counters of
``edge/counting`` decode them, so a session exercises the same code as a Pi. To stay fast the
radar is simulated in bursts: one second of frames (ten) before each reading, every
``COUNT_EVERY_S``; people move on between bursts. Door beams get the edges of
:func:`edge.counting.door_beams_sim.walk` straight into the counter, without gpiozero pins
(the pin path has its own tests): the same decoder and counter see the same edges.
"""

import random
from datetime import UTC, datetime, timedelta

from contract.zone import Zone
from edge.counting.amg8833 import Amg8833Counter
from edge.counting.amg8833_sim import Body, SimulatedAmg8833, ThermalRoom
from edge.counting.base import CountReading
from edge.counting.door_beams import DoorBeamCounter
from edge.counting.door_beams_sim import BeamEdge, turn_back, walk
from edge.counting.ld2450 import Ld2450Counter
from edge.counting.ld2450_sim import FRAME_INTERVAL_S, Ld2450Simulator, RadarRoom, Walker
from edge.fusion.sessions import physics as ph
from edge.fusion.sessions.levels import World
from edge.fusion.signals import Signal

# RadarRoom keeps bodies in x -1800..1800, y 500..4800 mm and the corridor at y 5600 mm: the
# zone is the room, so passers-by are seen by the radar but not counted.
RADAR_ZONE = Zone(x_mm=(-1900, 1900), y_mm=(300, 4900))
_CORRIDOR_Y_MM = 5600
_THERMAL_IMAGES = 4  # images per reading, 0.5 s apart (the counter votes over 2 s)


class SimClock:
    """A clock the simulation sets; wall time follows monotonic time from a fixed day."""

    def __init__(self) -> None:
        self.t = 0.0
        self._epoch = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=self.t)


class _Bytes:
    """A ByteSource the radar simulation fills between reads."""

    def __init__(self) -> None:
        self.data = bytearray()

    def read_available(self) -> bytes:
        out, self.data = bytes(self.data), bytearray()
        return out

    def close(self) -> None:
        pass


def _signal(reading: CountReading | None, source: str, at: int) -> list[Signal]:
    if reading is None:
        return []
    value = float(reading.count)
    return [Signal("count", source, float(at), value, reading.confidence, reading.at_least)]


def ld2450(world: World, rng: random.Random) -> list[Signal]:
    clock, source = SimClock(), _Bytes()
    room = RadarRoom(rng, people=0)
    radar = Ld2450Simulator(room, rng)
    counter = Ld2450Counter("ld2450", source, clock, zone=RADAR_ZONE)
    walkers: dict[int, Walker] = {}
    out: list[Signal] = []
    for t in range(0, world.duration, ph.COUNT_EVERY_S):
        here = {id(person): activity for person, activity in world.present[t]}
        for key in [k for k in walkers if k not in here]:
            del walkers[key]
        for key, activity in here.items():
            if key not in walkers:
                x, y = rng.uniform(*room.x_mm), rng.uniform(*room.y_mm)
                walkers[key] = Walker(x, y, rng.uniform(0, 6.28), 0.0)
            walkers[key].speed_mm_s = ph.LOOKS[activity].radar_speed_mm_s
        room.people = list(walkers.values())
        passing = any(abs(p - t) <= 2 for p in world.passers)
        corridor_x = rng.uniform(*room.x_mm)
        room.corridor = [Walker(corridor_x, _CORRIDOR_Y_MM, 0.0, 1200.0)] if passing else []
        misses = [ph.LOOKS[a].ld2450_miss for a in here.values()]
        radar.miss_rate = max(misses, default=0.03)
        room.step(ph.COUNT_EVERY_S - 1.0)
        for _ in range(round(1 / FRAME_INTERVAL_S)):
            room.step(FRAME_INTERVAL_S)
            source.data += radar.frame()
        clock.t = t
        out += _signal(counter.read(), "ld2450", t)
    return out


def thermal(world: World, rng: random.Random) -> list[Signal]:
    clock = SimClock()
    room = ThermalRoom(rng, people=0)
    counter = Amg8833Counter("thermal", SimulatedAmg8833(room, clock), clock)
    bodies: dict[int, Body] = {}
    out: list[Signal] = []
    for t in range(0, world.duration, ph.COUNT_EVERY_S):
        here = {id(person) for person, _ in world.present[t]}
        for key in [k for k in bodies if k not in here]:
            room.bodies.remove(bodies.pop(key))
        for key in here - bodies.keys():
            body = room._place()  # the simulator's own spacing rule (heads 70 cm apart)
            room.bodies.append(body)
            bodies[key] = body
        reading = None
        for k in range(_THERMAL_IMAGES):
            clock.t = t - 0.5 * (_THERMAL_IMAGES - 1 - k)
            reading = counter.read()
        out += _signal(reading, "thermal", t)
    return out


def door_beams(world: World, rng: random.Random) -> list[Signal]:
    clock = SimClock()
    counter = DoorBeamCounter("door-beams", clock)
    edges: list[BeamEdge] = []
    last_at, offset = -1, 0.0
    for at, direction in world.truth.passages:
        # People going through together come one behind the other, 0.3-2 s apart: closer than
        # a body's depth and the beams see one (the counter's known limit).
        offset = offset + rng.uniform(0.3, 2.0) if at == last_at else 0.0
        last_at = at
        edges += walk(direction, start_s=at + offset)
    for at in world.truth.peeks:
        edges += turn_back("a", start_s=at + 1.0, reach_other=rng.random() < 0.3)
    edges.sort(key=lambda e: e.at_s)
    out: list[Signal] = []
    pending = iter(edges)
    edge = next(pending, None)
    for t in range(0, world.duration, ph.COUNT_EVERY_S):
        while edge is not None and edge.at_s <= t:
            clock.t = edge.at_s
            counter.on_edge(edge.beam, edge.broken)
            edge = next(pending, None)
        clock.t = t
        out += _signal(counter.read(), "door-beams", t)
    return out


def co2(world: World, rng: random.Random) -> list[Signal]:
    """CO2 in a well-mixed room (single-zone mass balance, e.g. ASTM D6245 / Persily 1997):

        V dC/dt = N G 1e6 - Q (C - C_out)

    with C in ppm, G in L/s per person, V in L and Q in L/s (Q = ACH * V / 3600). Stepped once
    a second. An open door is taken to add 2 air changes per hour (an assumption).
    """
    room = world.room
    volume_l = room.volume_m3 * 1000.0
    level = room.outdoor_co2_ppm + 30.0  # what an empty room keeps above outdoor air
    out: list[Signal] = []
    for t in range(world.duration):
        generated_l_s = sum(ph.LOOKS[a].co2_l_s for _, a in world.present[t])
        changes = room.air_changes_per_h + (0.0 if world.truth.door_closed[t] else 2.0)
        level += generated_l_s * 1e6 / volume_l - changes / 3600.0 * (level - room.outdoor_co2_ppm)
        if t % ph.CO2_EVERY_S == 0:
            reading = round(level + rng.gauss(0.0, ph.CO2_NOISE_PPM))
            out.append(Signal("co2", "co2", float(t), float(reading)))
    return out
