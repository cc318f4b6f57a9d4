"""GPIO: a GPIO chip this user may open, the lgpio driver, and the config's sensors on it.

With ``--simulate`` the sensors are set up on gpiozero's MockFactory instead, as ``edge run
--simulate`` does: that checks the config's pins, not the hardware. Required when the
config uses any GPIO pin (sensors, buttons, LEDs).
"""

import getpass
import os
import queue
from pathlib import Path
from typing import Any

from common.clock import SystemClock
from contract.terminal_config import SPEECH_PINS, TerminalConfig
from edge.doctor.context import DoctorContext
from edge.doctor.result import CheckResult, passed, problem
from edge.sensors import (
    EventQueue,
    HardwareUnavailable,
    SensorBank,
    SensorSetupError,
    raspberry_pi_pin_factory,
)

NAME = "gpio"
_SIMULATE_HINT = (
    "to try the terminal without hardware: python -m edge run --config FILE --simulate SCENARIO"
    " (and python -m edge doctor --simulate)"
)


def pins_used(config: TerminalConfig) -> list[str]:
    pins = [pin for sensor in config.sensors for _, pin in sensor.pins()]
    pins += [pin for key in SPEECH_PINS if (pin := getattr(config.speech, key)) is not None]
    return pins


def check_gpio(ctx: DoctorContext, dev: Path = Path("/dev")) -> CheckResult:
    pins = pins_used(ctx.config)
    required = bool(pins)
    if ctx.simulate:
        from edge.simulation import mock_pin_factory

        return _set_up(ctx, mock_pin_factory(), "simulated (gpiozero MockFactory)", required)
    chips = sorted(dev.glob("gpiochip*"))
    if not chips:
        return problem(
            NAME,
            required,
            f"no GPIO chip ({dev}/gpiochip*): this machine has no GPIO the terminal can use",
            "run the terminal on a Raspberry Pi with Raspberry Pi OS Bookworm; " + _SIMULATE_HINT,
            pins=pins,
        )
    usable = [chip for chip in chips if os.access(chip, os.R_OK | os.W_OK)]
    if not usable:
        user = getpass.getuser()
        return problem(
            NAME,
            required,
            f"{', '.join(map(str, chips))}: not readable and writable by {user}",
            f"add {user} to the gpio group (sudo usermod -aG gpio {user}; the installer does "
            "this for quorum), then restart the service or log in again; run the doctor as "
            "the service user: sudo -u quorum /opt/quorum/venv/bin/python -m edge doctor ...",
            chips=[str(c) for c in chips],
        )
    if not pins:
        return passed(NAME, f"{usable[0]} usable; the config uses no GPIO pin", required)
    try:
        factory = raspberry_pi_pin_factory()
    except HardwareUnavailable as exc:
        return problem(
            NAME,
            required,
            str(exc).split(";")[0],
            "pip install 'quorum-rooms[pi]' in the terminal's virtual environment "
            "(deploy/pi/install.sh does)",
        )
    return _set_up(ctx, factory, f"{usable[0]} (lgpio)", required)


def _set_up(ctx: DoctorContext, factory: Any, where: str, required: bool) -> CheckResult:
    """Open every binary sensor on ``factory``, then close them and the factory again."""
    events: EventQueue = queue.Queue()
    try:
        bank = SensorBank(ctx.config.sensors, factory, SystemClock(), events)
        found = len(bank.sensor_ids)
        bank.close()
    except SensorSetupError as exc:
        return problem(
            NAME,
            required,
            f"{where}: {exc}",
            "check the pin in the config (python -m edge validate FILE); if the pin is busy, "
            "another program holds it: stop the terminal first (sudo systemctl stop "
            "quorum-edge) and run the doctor again",
        )
    finally:
        factory.close()
    return passed(NAME, f"{where}: {found} sensor(s) set up on their pins", required)
