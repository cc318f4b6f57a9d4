"""People counting with an HLK-LD2450 multi-target radar on a serial port.

The LD2450 streams one 30-byte frame about ten times a second (256000 baud, 8N1)::

    AA FF 03 00 | target 1 (8 bytes) | target 2 | target 3 | 55 CC

Each target is four little-endian uint16: x (mm), y (mm), speed (cm/s) and the distance
resolution (mm). x, y and speed carry their sign in the top bit, the other way round from
two's complement: bit 15 set means positive, clear means negative, and the low 15 bits are the
magnitude. An unused slot is all zeros. The frame has no checksum, so the tail and plausible
values are all there is to reject a corrupt frame; such frames are counted, never raised.

The radar tracks at most three targets: a reading of 3 means "3 or more" (``saturates_at``).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from common.clock import Clock
from contract.terminal_config import SensorKind
from contract.zone import Zone
from edge.counting.base import CounterStats, CountReading, CountWindow

HEADER = b"\xaa\xff\x03\x00"
TAIL = b"\x55\xcc"
TARGET_SLOTS = 3
FRAME_LEN = len(HEADER) + 8 * TARGET_SLOTS + len(TAIL)  # 30
DEFAULT_BAUD = 256_000
# The radar sees up to 6 m; anything far beyond is a corrupt frame, not a person.
MAX_RANGE_MM = 8_000


@dataclass(frozen=True)
class Target:
    x_mm: int
    y_mm: int
    speed_cm_s: int
    resolution_mm: int


class FrameError(ValueError):
    """A frame that is not a valid LD2450 report."""


def decode_signed(raw: int) -> int:
    """HLK's sign-magnitude: bit 15 set is positive, clear is negative."""
    magnitude = raw & 0x7FFF
    return magnitude if raw & 0x8000 else -magnitude


def encode_signed(value: int) -> int:
    if not -0x7FFF <= value <= 0x7FFF:
        raise ValueError(f"{value} does not fit the LD2450's 15-bit magnitude")
    return value | 0x8000 if value >= 0 else -value


def parse_frame(frame: bytes) -> list[Target]:
    """The targets of one complete frame; raise :class:`FrameError` if it is not one."""
    if len(frame) != FRAME_LEN:
        raise FrameError(f"a frame is {FRAME_LEN} bytes, got {len(frame)}")
    if not frame.startswith(HEADER) or not frame.endswith(TAIL):
        raise FrameError("bad header or tail")
    targets = []
    for slot in range(TARGET_SLOTS):
        start = len(HEADER) + 8 * slot
        raw = frame[start : start + 8]
        if raw == bytes(8):
            continue  # unused slot
        x, y, speed, resolution = (int.from_bytes(raw[i : i + 2], "little") for i in (0, 2, 4, 6))
        target = Target(decode_signed(x), decode_signed(y), decode_signed(speed), resolution)
        if not 0 < target.y_mm <= MAX_RANGE_MM or abs(target.x_mm) > MAX_RANGE_MM:
            raise FrameError(f"implausible target at x={target.x_mm} y={target.y_mm} mm")
        targets.append(target)
    return targets


def build_frame(targets: list[Target]) -> bytes:
    """The bytes the radar would send for these targets (for simulators and tests)."""
    if len(targets) > TARGET_SLOTS:
        raise ValueError(f"the LD2450 reports at most {TARGET_SLOTS} targets")
    body = b""
    for t in targets:
        for value in (encode_signed(t.x_mm), encode_signed(t.y_mm), encode_signed(t.speed_cm_s)):
            body += value.to_bytes(2, "little")
        body += t.resolution_mm.to_bytes(2, "little")
    return HEADER + body + bytes(8 * (TARGET_SLOTS - len(targets))) + TAIL


class FrameReader:
    """Splits a byte stream, cut anywhere, into frames; resyncs on the next header."""

    def __init__(self, stats: CounterStats) -> None:
        self._buffer = bytearray()
        self._stats = stats

    def feed(self, data: bytes) -> Iterator[list[Target]]:
        self._buffer += data
        while True:
            start = self._buffer.find(HEADER)
            if start < 0:
                # Keep a tail that may be the first bytes of a header still arriving.
                keep = len(HEADER) - 1
                self._skip(max(0, len(self._buffer) - keep))
                return
            self._skip(start)
            if len(self._buffer) < FRAME_LEN:
                return
            try:
                targets = parse_frame(bytes(self._buffer[:FRAME_LEN]))
            except FrameError:
                # A cut-off frame followed by a new one: skip this header and look again.
                self._stats.frames_bad += 1
                del self._buffer[: len(HEADER)]
                continue
            del self._buffer[:FRAME_LEN]
            self._stats.frames_ok += 1
            yield targets

    def _skip(self, count: int) -> None:
        # Without a header in sight only three bytes are kept, so noise cannot fill memory.
        self._stats.bytes_skipped += count
        del self._buffer[:count]


class ByteSource(Protocol):
    """Where the radar's bytes come from: a serial port, or a simulator."""

    def read_available(self) -> bytes:
        """The bytes received since the last call, without waiting."""
        ...

    def close(self) -> None: ...


class SerialPort:
    """A pyserial port, opened non-blocking; ``port`` may also be a pyserial URL (loop://)."""

    def __init__(self, port: str, baud: int = DEFAULT_BAUD) -> None:
        try:
            import serial
        except ImportError:
            raise RuntimeError(
                "pyserial is needed for an mmwave_targets sensor: pip install 'quorum-rooms[edge]'"
            ) from None
        try:
            self._serial = serial.serial_for_url(port, baudrate=baud, timeout=0)
        except (serial.SerialException, ValueError) as exc:
            raise RuntimeError(f"cannot open serial port {port!r}: {exc}") from None

    def read_available(self) -> bytes:
        return bytes(self._serial.read(self._serial.in_waiting or 1))

    def close(self) -> None:
        self._serial.close()


class Ld2450Counter:
    """Counts the radar's targets inside the zone; a :class:`PeopleCounter`."""

    kind = SensorKind.MMWAVE_TARGETS

    def __init__(
        self,
        sensor_id: str,
        source: ByteSource,
        clock: Clock,
        zone: Zone | None = None,
        window_s: float = 1.0,
        stale_after_s: float = 3.0,
    ) -> None:
        self.sensor_id = sensor_id
        self._source = source
        self._clock = clock
        self._zone = zone
        self._stats = CounterStats()
        self._reader = FrameReader(self._stats)
        self._window = CountWindow(window_s, stale_after_s)

    @property
    def stats(self) -> CounterStats:
        return self._stats

    def count_in_zone(self, targets: list[Target]) -> int:
        if self._zone is None:
            return len(targets)
        return sum(1 for t in targets if self._zone.contains(t.x_mm, t.y_mm))

    def read(self) -> CountReading | None:
        try:
            data = self._source.read_available()
        except OSError:
            self._stats.read_errors += 1
            data = b""
        # Frames read together arrived since the last call (~0.1 s apart): stamp them now.
        now = self._clock.monotonic()
        for targets in self._reader.feed(data):
            self._window.add(now, self.count_in_zone(targets))
        vote = self._window.vote(now)
        if vote is None:
            return None
        count, confidence, frames = vote
        return CountReading(self.sensor_id, self.kind, count, confidence, now, TARGET_SLOTS, frames)

    def close(self) -> None:
        self._source.close()
