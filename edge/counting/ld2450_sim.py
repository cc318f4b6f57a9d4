"""A simulated LD2450: people moving in a room, reported as the radar's real serial bytes.

So the parser and the counter are exercised exactly as on a Pi: the simulator builds frames with
:func:`edge.counting.ld2450.build_frame` and hands them out, cut wherever the reads fall,
through the same :class:`~edge.counting.ld2450.ByteSource` interface as a serial port. The radar's
known faults are simulated too: it loses a still person now and then, sees the odd multipath
ghost, and tracks at most three targets.
"""

import math
import random
from dataclasses import dataclass

from common.clock import Clock
from edge.counting.ld2450 import TARGET_SLOTS, Target, build_frame

FRAME_INTERVAL_S = 0.1  # the LD2450 reports about ten times a second


@dataclass
class Walker:
    x_mm: float
    y_mm: float
    heading: float
    speed_mm_s: float  # 0 for someone seated


class RadarRoom:
    """People in a room seen from a radar on one wall (y grows into the room)."""

    def __init__(
        self,
        rng: random.Random,
        people: int,
        # Where bodies can be: a room 4 x 4.7 m, body centres kept 20 cm off the walls.
        x_mm: tuple[int, int] = (-1800, 1800),
        y_mm: tuple[int, int] = (500, 4800),
        walking_share: float = 0.25,
        corridor: int = 0,
        corridor_y_mm: int = 5600,
    ) -> None:
        self._rng = rng
        self.x_mm, self.y_mm = x_mm, y_mm
        self.people = [self._walker(walking_share) for _ in range(people)]
        # People passing in the corridor behind a glass wall: seen, never to be counted.
        self.corridor = [
            Walker(rng.uniform(*x_mm), corridor_y_mm, 0.0, 1200.0) for _ in range(corridor)
        ]

    def _walker(self, walking_share: float) -> Walker:
        walking = self._rng.random() < walking_share
        return Walker(
            self._rng.uniform(*self.x_mm),
            self._rng.uniform(*self.y_mm),
            self._rng.uniform(0, 2 * math.pi),
            self._rng.uniform(400, 1200) if walking else 0.0,
        )

    def step(self, dt: float) -> None:
        for w in self.people:
            w.heading += self._rng.gauss(0, 0.3)
            w.x_mm = _bounce(w.x_mm + math.cos(w.heading) * w.speed_mm_s * dt, self.x_mm)
            w.y_mm = _bounce(w.y_mm + math.sin(w.heading) * w.speed_mm_s * dt, self.y_mm)
        for w in self.corridor:
            w.x_mm = _wrap(w.x_mm + w.speed_mm_s * dt, self.x_mm)


class Ld2450Simulator:
    """What the radar reports of a :class:`RadarRoom`, frame by frame."""

    def __init__(
        self,
        room: RadarRoom,
        rng: random.Random,
        miss_rate: float = 0.03,
        ghost_rate: float = 0.01,
        noise_mm: float = 60.0,
    ) -> None:
        self.room = room
        self._rng = rng
        self.miss_rate, self.ghost_rate, self.noise_mm = miss_rate, ghost_rate, noise_mm

    def targets(self) -> list[Target]:
        seen = [
            w for w in self.room.people + self.room.corridor if self._rng.random() >= self.miss_rate
        ]
        points = [(w.x_mm, w.y_mm, w.speed_mm_s) for w in seen]
        if self._rng.random() < self.ghost_rate:
            points.append((self._rng.uniform(-2500, 2500), self._rng.uniform(300, 6000), 0.0))
        # It tracks the three nearest targets.
        points.sort(key=lambda p: math.hypot(p[0], p[1]))
        return [self._target(*p) for p in points[:TARGET_SLOTS]]

    def _target(self, x: float, y: float, speed: float) -> Target:
        x += self._rng.gauss(0, self.noise_mm)
        y = max(1.0, y + self._rng.gauss(0, self.noise_mm))
        return Target(round(x), round(y), round(speed / 10 * self._rng.choice((-1, 1))), 320)

    def frame(self) -> bytes:
        return build_frame(self.targets())


class SimulatedSerial:
    """A ByteSource that emits the frames due since the last read, possibly damaged."""

    def __init__(
        self,
        radar: Ld2450Simulator,
        clock: Clock,
        rng: random.Random,
        corrupt_rate: float = 0.0,
    ) -> None:
        self._radar, self._clock, self._rng = radar, clock, rng
        self.corrupt_rate = corrupt_rate
        self._next_frame_at = clock.monotonic()

    def read_available(self) -> bytes:
        out = bytearray()
        now = self._clock.monotonic()
        while self._next_frame_at <= now:
            self._radar.room.step(FRAME_INTERVAL_S)
            frame = bytearray(self._radar.frame())
            if self._rng.random() < self.corrupt_rate:
                frame = self._damage(frame)
            out += frame
            self._next_frame_at += FRAME_INTERVAL_S
        return bytes(out)

    def _damage(self, frame: bytearray) -> bytearray:
        # A UART drops or garbles bytes; either way the frame must be rejected, not misread.
        if self._rng.random() < 0.5:
            return frame[: self._rng.randrange(1, len(frame))]
        frame[-1] ^= 0xFF
        return frame

    def close(self) -> None:
        pass


def _bounce(value: float, bounds: tuple[int, int]) -> float:
    low, high = bounds
    return min(high, max(low, value))


def _wrap(value: float, bounds: tuple[int, int]) -> float:
    low, high = bounds
    return low + (value - low) % (high - low)
