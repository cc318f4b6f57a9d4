"""People counting with a Panasonic AMG8833 (Grid-EYE) 8x8 thermal array on I2C.

The sensor keeps its latest image in registers 0x80-0xFF: 64 pixels, row by row, two bytes each
(low byte first), a 12-bit two's complement number of 0.25 °C steps. The terminal reads the
128 bytes through a small :class:`PixelSource` (smbus2 on a Pi, a simulator elsewhere), decodes
them here, and counts warm blobs (:mod:`edge.counting.thermal_blobs`). Mounted on the ceiling,
8x8 pixels with a 60° view cover about 3 x 3 m from 2.7 m: a person is one to four pixels.
"""

from typing import Protocol

from common.clock import Clock
from contract.terminal_config import SensorKind
from edge.counting.base import CounterStats, CountReading, CountWindow
from edge.counting.thermal_blobs import PIXELS, BackgroundModel, count_people, hot_pixels

PIXEL_REGISTER = 0x80
FRAME_BYTES = 2 * PIXELS
STEP_C = 0.25
# Registers used at start-up (datasheet: power control, reset, frame rate).
_PCTL, _RST, _FPSC = 0x00, 0x01, 0x02
_NORMAL_MODE, _INITIAL_RESET, _TEN_FPS = 0x00, 0x3F, 0x00
# Outside the sensor's -20..80 °C range: a garbled read, not a room.
_PLAUSIBLE_C = (-20.0, 80.0)
_SMBUS_BLOCK = 32  # SMBus block reads stop at 32 bytes


class PixelSource(Protocol):
    def read_pixels(self) -> bytes:
        """The 128 bytes of the pixel registers (0x80-0xFF)."""
        ...

    def close(self) -> None: ...


def decode_pixels(raw: bytes) -> list[float]:
    if len(raw) != FRAME_BYTES:
        raise ValueError(f"an AMG8833 image is {FRAME_BYTES} bytes, got {len(raw)}")
    temps = []
    for i in range(0, FRAME_BYTES, 2):
        value = raw[i] | (raw[i + 1] & 0x0F) << 8
        if value & 0x800:  # 12-bit two's complement
            value -= 0x1000
        temps.append(value * STEP_C)
    return temps


def encode_pixels(temps: list[float]) -> bytes:
    """The register bytes for an image (simulators and tests); rounds to 0.25 °C."""
    out = bytearray()
    for t in temps:
        out += (round(t / STEP_C) & 0xFFF).to_bytes(2, "little")
    return bytes(out)


class Amg8833Bus:
    """The sensor on a Linux I2C bus through smbus2 (``pip install 'quorum-rooms[pi]'``)."""

    def __init__(self, bus: int = 1, address: int = 0x69) -> None:
        try:
            from smbus2 import SMBus
        except ImportError:
            raise RuntimeError(
                "smbus2 is needed for a thermal_array sensor: pip install 'quorum-rooms[pi]'"
            ) from None
        self._address = address
        try:
            self._bus = SMBus(bus)
            self._bus.write_byte_data(address, _PCTL, _NORMAL_MODE)
            self._bus.write_byte_data(address, _RST, _INITIAL_RESET)
            self._bus.write_byte_data(address, _FPSC, _TEN_FPS)
        except OSError as exc:
            raise RuntimeError(
                f"no AMG8833 answers on /dev/i2c-{bus} at {address:#04x} ({exc}); "
                "check the wiring, and that I2C is enabled (raspi-config)"
            ) from None

    def read_pixels(self) -> bytes:
        out = bytearray()
        for offset in range(0, FRAME_BYTES, _SMBUS_BLOCK):
            out += bytes(
                self._bus.read_i2c_block_data(self._address, PIXEL_REGISTER + offset, _SMBUS_BLOCK)
            )
        return bytes(out)

    def close(self) -> None:
        self._bus.close()


class Amg8833Counter:
    """Counts warm bodies, one image per :meth:`read`; a :class:`PeopleCounter`.

    Call ``read()`` a few times a second (the sensor makes 10 images a second): the reading is
    the most common count over ``window_s``, so one noisy image does not change it.
    """

    kind = SensorKind.THERMAL_ARRAY

    def __init__(
        self,
        sensor_id: str,
        source: PixelSource,
        clock: Clock,
        threshold_c: float = 1.5,
        window_s: float = 2.0,
        stale_after_s: float = 5.0,
        background: BackgroundModel | None = None,
    ) -> None:
        self.sensor_id = sensor_id
        self._source = source
        self._clock = clock
        self.threshold_c = threshold_c
        self.background = background or BackgroundModel()
        self._stats = CounterStats()
        self._window = CountWindow(window_s, stale_after_s)

    @property
    def stats(self) -> CounterStats:
        return self._stats

    def count_frame(self, frame: list[float]) -> int:
        background = self.background.estimate(frame)
        hot = hot_pixels(frame, background, self.threshold_c)
        self.background.update(frame, hot)
        return count_people(frame, background, hot)

    def read(self) -> CountReading | None:
        now = self._clock.monotonic()
        frame = self._read_frame()
        if frame is not None:
            self._window.add(now, self.count_frame(frame))
        vote = self._window.vote(now)
        if vote is None:
            return None
        count, confidence, frames = vote
        return CountReading(self.sensor_id, self.kind, count, confidence, now, None, frames)

    def _read_frame(self) -> list[float] | None:
        try:
            raw = self._source.read_pixels()
        except OSError:  # an I2C NACK or a bus timeout: try again next time
            self._stats.read_errors += 1
            return None
        try:
            frame = decode_pixels(raw)
        except ValueError:
            self._stats.frames_bad += 1
            return None
        low, high = _PLAUSIBLE_C
        if not all(low <= t <= high for t in frame):
            self._stats.frames_bad += 1
            return None
        self._stats.frames_ok += 1
        return frame

    def close(self) -> None:
        self._source.close()
