"""Binary sensor levels from the ground truth, one value per second, with seeded randomness:
PIR pulses, mmWave presence with drop-outs and false alarms, the door contact, desk sensors and
the speech-activity flag. The numbers are in :mod:`.physics`."""

import random
from collections.abc import Sequence
from dataclasses import dataclass

from edge.fusion.sessions import physics as ph
from edge.fusion.sessions.schema import RoomSpec
from edge.fusion.sessions.truth import Person, Truth

_SPEECH_ORDER = ("lively", "talking", "phone", "cleaning")  # the liveliest decides the style


@dataclass(frozen=True)
class World:
    """One play of a session: the truth plus what chance decided once for every sensor."""

    truth: Truth
    room: RoomSpec
    # Per second: (person, activity) of everyone in the room.
    present: list[list[tuple[Person, str]]]
    passers: list[int]  # seconds at which someone passes in the corridor

    @classmethod
    def build(cls, truth: Truth, room: RoomSpec, rng: random.Random) -> "World":
        present: list[list[tuple[Person, str]]] = [[] for _ in range(truth.duration_s)]
        for person in truth.people:
            for t in range(person.start, person.end):
                activity = person.activity_at(t)
                if activity is not None:
                    present[t].append((person, activity))
        passers = sorted(
            rng.randrange(start, min(truth.duration_s, start + max(1, over)))
            for start, over, n in truth.corridor
            for _ in range(n)
        )
        return cls(truth, room, present, passers)

    @property
    def duration(self) -> int:
        return self.truth.duration_s

    def door_view(self, t: int) -> str:
        """What stands between the corridor and the sensors: an open door, glass, or a wall."""
        if not self.truth.door_closed[t]:
            return "open"
        return "glass" if self.room.glass_door else "closed"

    def air(self, t: int) -> str:
        return "ventilation" if self.truth.ventilation[t] else "quiet"


def _pulse(levels: list[bool], start: int, length: int) -> None:
    end = min(len(levels), start + length)
    levels[max(0, start) : end] = [True] * (end - max(0, start))


def _chance(rng: random.Random, per_min: float) -> bool:
    return rng.random() < per_min / 60.0


def pir(world: World, rng: random.Random) -> list[bool]:
    out = [False] * world.duration
    for t in range(world.duration):
        rate = sum(ph.LOOKS[a].pir_per_min for _, a in world.present[t])
        rate += ph.PIR_FALSE[world.air(t)]
        if _chance(rng, rate):
            _pulse(out, t, rng.randint(*ph.PIR_PULSE_S))
    for t in world.passers:
        if rng.random() < ph.CORRIDOR_PIR[world.door_view(t)]:
            _pulse(out, t, rng.randint(*ph.PIR_PULSE_S))
    for t in world.truth.peeks:
        if rng.random() < ph.PEEK_PIR:
            _pulse(out, t + 1, rng.randint(*ph.PIR_PULSE_S))
    return out


def presence(world: World, rng: random.Random) -> list[bool]:
    out = [False] * world.duration
    missed_until: dict[int, int] = {}  # id(person) -> second its drop-out ends
    for t in range(world.duration):
        seen = False
        for person, activity in world.present[t]:
            look = ph.LOOKS[activity]
            if missed_until.get(id(person), 0) <= t and _chance(rng, look.drop_per_min):
                missed_until[id(person)] = t + rng.randint(*look.drop_s)
            seen = seen or missed_until.get(id(person), 0) <= t
        out[t] = out[t] or seen
        air = world.air(t)
        if _chance(rng, ph.PRESENCE_FALSE[air]):
            _pulse(out, t, rng.randint(*ph.PRESENCE_FALSE_S[air]))
    for t in world.passers:
        if rng.random() < ph.CORRIDOR_PRESENCE[world.door_view(t)]:
            _pulse(out, t, rng.randint(*ph.CORRIDOR_PRESENCE_S))
    for t in world.truth.peeks:
        if rng.random() < ph.PEEK_PRESENCE:
            _pulse(out, t, rng.randint(2, 4))
    return out


def door(world: World) -> list[bool]:
    return list(world.truth.door_closed)


def speech(world: World, rng: random.Random) -> list[bool]:
    """The flag: on while an utterance the VAD heard goes on, and for the tail after it."""
    spoken = [False] * world.duration
    busy_until = 0  # the current utterance or pause ends here
    for t in range(world.duration):
        style = _style([a for _, a in world.present[t]])
        if style is None:
            busy_until = t + 1
        elif t >= busy_until:
            length = max(1, round(rng.expovariate(1 / style.utterance_s)))
            if rng.random() < style.heard:
                _pulse(spoken, t, length)
            if rng.random() < style.lull_chance:
                pause = rng.randint(*style.lull_s)
            else:
                pause = round(rng.expovariate(1 / style.pause_s))
            busy_until = t + length + pause
        if _chance(rng, ph.SPEECH_FALSE[world.air(t)]):
            _pulse(spoken, t, rng.randint(1, 2))
    for t in world.passers:
        if rng.random() < ph.CORRIDOR_TALKS * ph.CORRIDOR_HEARD[world.door_view(t)]:
            _pulse(spoken, t, rng.randint(1, 3))
    for t in world.truth.peeks:
        if rng.random() < ph.PEEK_SPEECH:
            _pulse(spoken, t + 1, 1)
    flag = [False] * world.duration
    for t, on in enumerate(spoken):
        if on:
            _pulse(flag, t, 1 + ph.SPEECH_TAIL_S)
    return flag


def _style(activities: Sequence[str]) -> ph.SpeechStyle | None:
    for name in _SPEECH_ORDER:
        if name in activities:
            if name == "talking" and activities.count("talking") < 2:
                return ph.PHONE  # talking with nobody in the room: a call
            return ph.LOOKS[name].speech
    return None


def desk(world: World, desk_id: str, kind: str, rng: random.Random) -> list[bool]:
    out = [False] * world.duration
    jacket = world.truth.jackets[desk_id]
    missed_until = 0
    for t in range(world.duration):
        seated = [a for p, a in world.present[t] if p.desk == desk_id and a != "walking"]
        if kind == "seat_pad":  # weight on the seat: a person, or a jacket or bag
            out[t] = bool(seated) or jacket[t]
        elif kind == "radar" and seated:  # a body at arm's length; a jacket does not breathe
            look = ph.LOOKS[seated[0]]
            if missed_until <= t and _chance(rng, look.drop_per_min * ph.DESK_RADAR_DROP_FACTOR):
                missed_until = t + rng.randint(*look.drop_s)
            out[t] = out[t] or missed_until <= t
        elif kind == "pir" and seated and _chance(rng, ph.LOOKS[seated[0]].desk_pir_per_min):
            _pulse(out, t, rng.randint(*ph.PIR_PULSE_S))
    return out
