"""CO2 for occupancy fusion: the SCD4x protocol (CRC, data ready, plausible values), reading it
every half minute as ``co2`` signals, and the ``co2`` sensor kind in the configuration."""

import logging
from pathlib import Path

import pytest

from common.clock import FakeClock
from contract.config_loader import ConfigError, load_terminal_config
from contract.terminal_config import BINARY_KINDS, SensorKind
from edge.co2.poller import Co2Poller
from edge.co2.scd4x import (
    DATA_READY,
    READ_MEASUREMENT,
    START_PERIODIC,
    STOP_PERIODIC,
    Co2Reading,
    Scd4xSensor,
    crc8,
    decode_words,
    encode_words,
)
from edge.fusion.settings import FusionSettings
from tests.contract.test_counting_sensor_config import BASE


class FakeBus:
    """Answers like an SCD41: ``ppm`` is the next measurement, ``ready`` whether it is new."""

    def __init__(self) -> None:
        self.commands: list[int] = []
        self.ready = True
        self.ppm = 612
        self.corrupt = False
        self.fail = False
        self.closed = False

    def command(self, word: int) -> None:
        self.commands.append(word)

    def read(self, word: int, length: int) -> bytes:
        self.commands.append(word)
        if self.fail:
            raise OSError("NACK")
        if word == DATA_READY:
            return encode_words([0x8006 if self.ready else 0x8000])
        assert word == READ_MEASUREMENT and length == 9
        answer = bytearray(encode_words([self.ppm, 0x6667, 0x5EB9]))  # 25 °C, 37 %RH
        if self.corrupt:
            answer[2] ^= 0xFF
        return bytes(answer)

    def close(self) -> None:
        self.closed = True


def test_the_crc_is_the_datasheets() -> None:
    assert crc8(bytes([0xBE, 0xEF])) == 0x92
    assert decode_words(encode_words([0x01F4, 0xBEEF])) == [500, 0xBEEF]
    with pytest.raises(ValueError, match="CRC"):
        decode_words(bytes([0xBE, 0xEF, 0x93]))
    with pytest.raises(ValueError, match="3 bytes a word"):
        decode_words(bytes([0xBE, 0xEF]))


def test_a_new_measurement_is_read_once_and_bad_ones_are_counted() -> None:
    bus, clock = FakeBus(), FakeClock()
    sensor = Scd4xSensor("co2-1", bus, clock)
    assert bus.commands == [START_PERIODIC]
    assert sensor.read() == Co2Reading("co2-1", 612.0, clock.monotonic())
    bus.ready = False
    assert sensor.read() is None  # nothing new yet: no reading, no error
    bus.ready, bus.corrupt = True, True
    assert sensor.read() is None and sensor.stats.bad == 1
    bus.corrupt, bus.ppm = False, 0  # warming up
    assert sensor.read() is None and sensor.stats.bad == 2
    bus.fail = True
    assert sensor.read() is None and sensor.stats.read_errors == 1
    sensor.close()
    assert bus.commands[-1] == STOP_PERIODIC and bus.closed


def test_co2_is_read_every_half_minute_and_a_failing_sensor_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus, clock = FakeBus(), FakeClock()
    poller = Co2Poller([Scd4xSensor("co2-1", bus, clock)], start=100.0)
    assert poller.next_due() == 100.0
    [signal] = poller.poll(100.0)
    assert (signal.kind, signal.source, signal.value) == ("co2", "co2-1", 612.0)
    assert poller.poll(120.0) == [] and poller.next_due() == 130.0

    class Broken:
        sensor_id = "co2-2"

        def read(self) -> Co2Reading | None:
            raise RuntimeError("driver bug")

        def close(self) -> None: ...

    poller = Co2Poller([Broken()], start=0.0)
    with caplog.at_level(logging.ERROR):
        assert poller.poll(0.0) == [] and poller.poll(30.0) == []
    assert sum("co2-2" in r.message for r in caplog.records) == 1


def test_the_co2_kind_in_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(BASE + "  - {id: co2, kind: co2}\n  - {id: thermal, kind: thermal_array}\n")
    config = load_terminal_config(path)
    co2, thermal = config.sensors[1:]
    assert co2.kind is SensorKind.CO2 and SensorKind.CO2 not in BINARY_KINDS
    assert (co2.i2c_bus, co2.i2c_address, thermal.i2c_address) == (1, 0x62, 0x69)
    # Fusion hears CO2 as one room-wide slope, not as a sensor with likelihoods of its own.
    assert [s.id for s in FusionSettings.from_terminal_config(config).sensors] == [
        "pir",
        "thermal",
    ]


@pytest.mark.parametrize(
    ("sensors", "message"),
    [
        ("  - {id: co2, kind: co2, pin: 5}\n", "a co2 sensor has no 'pin'"),
        (
            "  - {id: co2, kind: co2, address: 0x69}\n  - {id: t, kind: thermal_array}\n",
            "address 0x69 on I2C bus 1 is already used by sensor 'co2'",
        ),
        ("  - {id: co2, kind: co2}\n  - {id: x, kind: pir_motion, pin: 3}\n", "I2C bus 1"),
    ],
)
def test_co2_mistakes_are_located(tmp_path: Path, sensors: str, message: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(BASE + sensors)
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(path)
    assert message in str(caught.value)
