"""A Sensirion SCD40/SCD41 CO2 sensor on I2C, read for occupancy fusion.

The sensor measures every 5 s once started ("periodic measurement"). Each command is a 16-bit
word written to the sensor; answers are 16-bit words, each followed by a CRC-8 (polynomial
0x31, start 0xFF: the datasheet's example is CRC(0xBEEF) = 0x92). The terminal asks whether a
new measurement is ready and, if it is, reads CO2 (ppm), temperature and humidity. The bus is
behind a small :class:`Scd4xBus` protocol (smbus2 on a Pi, a fake in tests).
"""

import contextlib
from dataclasses import dataclass
from typing import Protocol

from common.clock import Clock

START_PERIODIC = 0x21B1
STOP_PERIODIC = 0x3F86
DATA_READY = 0xE4B8
READ_MEASUREMENT = 0xEC05
DEFAULT_ADDRESS = 0x62
# Outside what the sensor measures (400..5000 ppm, 0 while warming up): not a room.
_PLAUSIBLE_PPM = (300.0, 10_000.0)


class Scd4xBus(Protocol):
    def command(self, word: int) -> None:
        """Send a 16-bit command."""
        ...

    def read(self, word: int, length: int) -> bytes:
        """Send a 16-bit command and read ``length`` bytes of answer."""
        ...

    def close(self) -> None: ...


def crc8(data: bytes) -> int:
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def decode_words(raw: bytes) -> list[int]:
    """The 16-bit words of an answer; ValueError on a wrong length or a CRC mismatch."""
    if len(raw) % 3:
        raise ValueError(f"an SCD4x answer is 3 bytes a word, got {len(raw)}")
    words = []
    for i in range(0, len(raw), 3):
        pair, crc = raw[i : i + 2], raw[i + 2]
        if crc8(pair) != crc:
            raise ValueError(f"CRC mismatch in word {i // 3}")
        words.append(int.from_bytes(pair, "big"))
    return words


def encode_words(words: list[int]) -> bytes:
    """An answer as the sensor sends it (fakes and tests)."""
    out = bytearray()
    for word in words:
        pair = word.to_bytes(2, "big")
        out += pair + bytes([crc8(pair)])
    return bytes(out)


@dataclass(frozen=True)
class Co2Reading:
    sensor_id: str
    ppm: float
    at_monotonic: float


@dataclass
class Co2Stats:
    readings: int = 0
    read_errors: int = 0  # the bus failed (NACK, timeout)
    bad: int = 0  # a CRC mismatch, or a value no room has


class Scd4xSensor:
    """Starts periodic measurement and hands out each new measurement once."""

    def __init__(self, sensor_id: str, bus: Scd4xBus, clock: Clock) -> None:
        self.sensor_id = sensor_id
        self._bus = bus
        self._clock = clock
        self.stats = Co2Stats()
        bus.command(START_PERIODIC)

    def read(self) -> Co2Reading | None:
        """The new measurement, or None when there is none (yet) or it could not be read."""
        try:
            [ready] = decode_words(self._bus.read(DATA_READY, 3))
            if ready & 0x07FF == 0:
                return None
            co2, _temperature, _humidity = decode_words(self._bus.read(READ_MEASUREMENT, 9))
        except OSError:
            self.stats.read_errors += 1
            return None
        except ValueError:
            self.stats.bad += 1
            return None
        low, high = _PLAUSIBLE_PPM
        if not low <= co2 <= high:
            self.stats.bad += 1
            return None
        self.stats.readings += 1
        return Co2Reading(self.sensor_id, float(co2), self._clock.monotonic())

    def close(self) -> None:
        with contextlib.suppress(OSError):  # going away anyway
            self._bus.command(STOP_PERIODIC)
        self._bus.close()


class SmbusScd4x:
    """:class:`Scd4xBus` on a Linux I2C bus through smbus2 (``pip install 'quorum-rooms[pi]'``)."""

    def __init__(self, bus: int = 1, address: int = DEFAULT_ADDRESS) -> None:
        try:
            from smbus2 import SMBus
        except ImportError:
            raise RuntimeError(
                "smbus2 is needed for a co2 sensor: pip install 'quorum-rooms[pi]'"
            ) from None
        self._address = address
        try:
            self._bus = SMBus(bus)
        except OSError as exc:
            raise RuntimeError(
                f"cannot open /dev/i2c-{bus} ({exc}); enable I2C (raspi-config)"
            ) from None

    def command(self, word: int) -> None:
        from smbus2 import i2c_msg

        self._bus.i2c_rdwr(i2c_msg.write(self._address, list(word.to_bytes(2, "big"))))

    def read(self, word: int, length: int) -> bytes:
        import time

        from smbus2 import i2c_msg

        self.command(word)
        time.sleep(0.001)  # the datasheet's 1 ms between command and read
        answer = i2c_msg.read(self._address, length)
        self._bus.i2c_rdwr(answer)
        return bytes(answer)

    def close(self) -> None:
        self._bus.close()
