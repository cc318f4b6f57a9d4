"""People-counting sensor kinds in the terminal configuration: fields per kind, located errors."""

from pathlib import Path

import pytest

from contract.config_loader import ConfigError, load_terminal_config
from contract.terminal_config import COUNTING_KINDS, SensorKind, TerminalConfig

BASE = """\
version: 1
terminal: {id: t1}
site: {id: hq, name: HQ}
building: {id: b1, name: Main}
floor: {id: f1, name: Floor 1}
room: {id: r1, name: Room one, capacity: 6, timezone: Europe/Berlin}
sensors:
  - {id: pir, kind: pir_motion, pin: 17}
"""

COUNTERS = """\
  - id: radar-count
    kind: mmwave_targets
    port: /dev/ttyAMA0
    zone: {x_mm: [-1500, 1500], y_mm: [300, 4500]}
  - {id: thermal, kind: thermal_array, address: "0x68"}
  - {id: door-count, kind: door_beams, pin_a: 23, pin_b: BCM24, reset_at: "03:00"}
"""


def load(tmp_path: Path, sensors: str) -> object:
    path = tmp_path / "t.yaml"
    path.write_text(BASE + sensors)
    return load_terminal_config(path)


def problem(tmp_path: Path, sensors: str) -> tuple[int | None, str, str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, sensors)
    [found] = caught.value.problems
    return found.line, found.path, found.message


def test_counting_kinds_with_defaults_from_the_schema(tmp_path: Path) -> None:
    config = load(tmp_path, COUNTERS)
    radar, thermal, door = config.sensors[1:]  # type: ignore[attr-defined]
    assert radar.kind in COUNTING_KINDS and radar.baud == 256_000 and radar.pin is None
    assert radar.zone.contains(0, 1000) and not radar.zone.contains(0, 5000)
    assert (thermal.i2c_bus, thermal.address) == (1, 0x68)
    assert (door.pin_a, door.pin_b, door.reset_at.hour) == ("GPIO23", "GPIO24", 3)
    assert door.pins() == [("pin_a", "GPIO23"), ("pin_b", "GPIO24")]


def test_a_polygon_zone(tmp_path: Path) -> None:
    sensors = (
        "  - {id: r, kind: mmwave_targets, port: /dev/ttyUSB0, baud: 115200,\n"
        "     zone: {polygon_mm: [[-1000, 300], [1000, 300], [2500, 5000], [-2500, 5000]]}}\n"
    )
    radar = load(tmp_path, sensors).sensors[1]  # type: ignore[attr-defined]
    assert radar.baud == 115200 and radar.zone.contains(2000, 4500)


@pytest.mark.parametrize(
    ("sensors", "line", "path", "message"),
    [
        (
            "  - {id: r, kind: mmwave_targets}\n",
            9,
            "sensors[1].port",
            "a mmwave_targets sensor needs 'port: /dev/ttyAMA0'",
        ),
        (
            "  - {id: d, kind: door_beams, pin_a: 23}\n",
            9,
            "sensors[1].pin_b",
            "a door_beams sensor needs 'pin_b: GPIO24'",
        ),
        ("  - {id: p, kind: pir_motion}\n", 9, "sensors[1].pin", "a pir_motion sensor needs"),
        (
            "  - {id: t, kind: thermal_array, pin: 5}\n",
            9,
            "sensors[1].pin",
            "a thermal_array sensor has no 'pin' (it takes: address, i2c_bus)",
        ),
        (
            "  - {id: p2, kind: pir_motion, pin: 5, baud: 9600}\n",
            9,
            "sensors[1].baud",
            "a pir_motion sensor has no 'baud'",
        ),
        (
            "  - {id: d, kind: door_beams, pin_a: 23, pin_b: 17}\n",
            9,
            "sensors[1].pin_b",
            "pin GPIO17 is already used by sensor 'pir'",
        ),
        (
            "  - {id: d, kind: door_beams, pin_a: 23, pin_b: 23}\n",
            9,
            "sensors[1].pin_b",
            "pin GPIO23 is already used by sensor 'd'",
        ),
        (
            "  - {id: t, kind: thermal_array, address: 0x99}\n",
            9,
            "sensors[1].address",
            "less than or equal to 119",
        ),
        ("  - {id: t, kind: thermal_array, address: sixty}\n", 9, "sensors[1].address", "0x69"),
        (
            "  - {id: r, kind: mmwave_targets, port: /dev/ttyS0, zone: {x_mm: [0, 100]}}\n",
            9,
            "sensors[1].zone",
            "needs both x_mm and y_mm",
        ),
        (
            "  - {id: r, kind: mmwave_targets, port: /dev/ttyS0,\n"
            "     zone: {x_mm: [9, 1], y_mm: [0, 9]}}\n",
            10,  # the line of the zone key
            "sensors[1].zone",
            "x_mm must be [low, high]",
        ),
        (
            "  - {id: r, kind: mmwave_targets, port: /dev/ttyS0, zone: {polygon_mm: [[0, 1]]}}\n",
            9,
            "sensors[1].zone.polygon_mm",
            "at least 3",
        ),
    ],
)
def test_errors_are_located_and_say_what_to_write(
    tmp_path: Path, sensors: str, line: int, path: str, message: str
) -> None:
    found_line, found_path, found_message = problem(tmp_path, sensors)
    assert (found_line, found_path) == (line, path)
    assert message in found_message


def test_a_misspelt_counting_kind_gets_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(BASE + "  - {id: r, kind: mmwave_target, port: /dev/ttyS0}\n")
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(path)
    assert caught.value.problems[0].suggestion == SensorKind.MMWAVE_TARGETS.value


def test_a_speech_pin_may_not_be_a_beam(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        BASE + "  - {id: d, kind: door_beams, pin_a: 23, pin_b: 24}\nspeech: {talk_button: 24}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_terminal_config(path)
    [found] = caught.value.problems
    assert found.path == "speech.talk_button" and "sensor 'd'" in found.message


def test_a_config_with_counters_survives_a_dump_with_every_default(tmp_path: Path) -> None:
    config = load(tmp_path, COUNTERS)
    assert TerminalConfig.model_validate(config.model_dump()) == config  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("sensors", "path", "owner"),
    [
        (
            "  - {id: t, kind: thermal_array}\n  - {id: p2, kind: pir_motion, pin: 3}\n",
            "sensors[2].pin",
            "I2C bus 1 (sensor 't')",
        ),
        (
            "  - {id: d, kind: door_beams, pin_a: 14, pin_b: 24}\n"
            "  - {id: r, kind: mmwave_targets, port: /dev/serial0}\n",
            "sensors[1].pin_a",
            "the UART (sensor 'r')",
        ),
    ],
)
def test_bus_pins_are_taken(tmp_path: Path, sensors: str, path: str, owner: str) -> None:
    _, found_path, message = problem(tmp_path, sensors)
    assert found_path == path and message.endswith(f"already used by {owner}")


def test_a_usb_serial_radar_leaves_the_uart_pins_free(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "  - {id: r, kind: mmwave_targets, port: /dev/ttyUSB0}\n"
        "  - {id: p2, kind: pir_motion, pin: 14}\n",
    )
    assert config.sensors[2].pin == "GPIO14"  # type: ignore[attr-defined]


def test_the_example_in_docs_sensors_md_is_valid(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sensors.md").read_text()
    example = doc.split("## People counters")[1].split("```yaml\n")[1].split("```")[0]
    config = load(tmp_path, example.removeprefix("sensors:\n"))
    kinds = [s.kind for s in config.sensors]  # type: ignore[attr-defined]
    assert kinds[1:] == [SensorKind.MMWAVE_TARGETS, SensorKind.THERMAL_ARRAY, SensorKind.DOOR_BEAMS]
