"""A simulated AMG8833 above a room: warm bodies on a slowly drifting background, with noise.

Images come out as the sensor's register bytes (:func:`edge.counting.amg8833.encode_pixels`),
so the counter decodes them exactly as it would on a Pi. The faults that matter are there:
pixel noise (about 0.25 °C), a fixed pattern per pixel, 0.25 °C steps, and a room that warms
through the day. People sit or wander, never closer than ``min_gap_px`` (about 70 cm from a
ceiling at 2.7 m): closer than that, two heads are one blob to an 8x8 sensor.
"""

import math
import random
from dataclasses import dataclass

from common.clock import Clock
from edge.counting.amg8833 import encode_pixels
from edge.counting.thermal_blobs import PIXELS, SIZE


@dataclass
class Body:
    row: float
    col: float
    # Above the background in a pixel the body fills (head and shoulders, clothed: 4-7 °C).
    warmth_c: float


class ThermalRoom:
    def __init__(
        self,
        rng: random.Random,
        people: int,
        room_c: float = 22.0,
        drift_c_per_hour: float = 1.0,
        noise_c: float = 0.25,
        min_gap_px: float = 2.0,
        radius_px: float = 0.75,
    ) -> None:
        self._rng = rng
        self.room_c, self.drift_c_per_hour, self.noise_c = room_c, drift_c_per_hour, noise_c
        self.min_gap_px, self.radius_px = min_gap_px, radius_px
        self.pattern = [rng.gauss(0, 0.3) for _ in range(PIXELS)]
        self.elapsed_s = 0.0
        self.bodies: list[Body] = []
        for _ in range(people):
            self.bodies.append(self._place())

    def _place(self) -> Body:
        for _ in range(1000):
            row, col = self._rng.uniform(0.5, SIZE - 1.5), self._rng.uniform(0.5, SIZE - 1.5)
            if self._free(row, col, None):
                return Body(row, col, self._rng.uniform(4.0, 7.0))
        raise ValueError("no room for that many people at this spacing")

    def _free(self, row: float, col: float, me: Body | None) -> bool:
        return all(
            math.hypot(row - b.row, col - b.col) >= self.min_gap_px
            for b in self.bodies
            if b is not me
        )

    def step(self, dt: float) -> None:
        self.elapsed_s += dt
        for body in self.bodies:
            # Fidgeting in a chair: small moves, kept if they keep the spacing.
            row = min(SIZE - 1.0, max(0.0, body.row + self._rng.gauss(0, 0.05)))
            col = min(SIZE - 1.0, max(0.0, body.col + self._rng.gauss(0, 0.05)))
            if self._free(row, col, body):
                body.row, body.col = row, col

    def image(self) -> list[float]:
        base = self.room_c + self.drift_c_per_hour * self.elapsed_s / 3600.0
        out = []
        for index in range(PIXELS):
            r, c = divmod(index, SIZE)
            value = base + self.pattern[index] + self._rng.gauss(0, self.noise_c)
            for b in self.bodies:
                value += b.warmth_c * self._coverage(r, c, b)
            out.append(value)
        return out

    def _coverage(self, row: int, col: int, body: Body) -> float:
        # A pixel reads the average over its footprint: the share of it the body covers,
        # sampled on a 4x4 grid (pixel centres sit at integer row, col).
        if abs(row - body.row) > self.radius_px + 0.5 or abs(col - body.col) > self.radius_px + 0.5:
            return 0.0
        offsets = (-0.375, -0.125, 0.125, 0.375)
        inside = sum(
            1
            for dr in offsets
            for dc in offsets
            if math.hypot(row + dr - body.row, col + dc - body.col) <= self.radius_px
        )
        return inside / 16


class SimulatedAmg8833:
    """A PixelSource over a :class:`ThermalRoom` that moves with the clock."""

    def __init__(self, room: ThermalRoom, clock: Clock) -> None:
        self.room, self._clock = room, clock
        self._last = clock.monotonic()

    def read_pixels(self) -> bytes:
        now = self._clock.monotonic()
        self.room.step(now - self._last)
        self._last = now
        return encode_pixels(self.room.image())

    def close(self) -> None:
        pass
