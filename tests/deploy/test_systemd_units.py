"""The systemd units in deploy/systemd: systemd-analyze accepts them, and they are hardened.

``systemd-analyze verify`` checks that ExecStart's program exists, so the units are verified
as copies whose interpreter (the terminal's /opt/quorum/releases/current/bin/python, made by
deploy/pi/install.sh; the hub's /opt/quorum/venv/bin/python) is this test's Python; nothing
else is changed. It exits 0 even for unknown keys and bad
values, printing warnings, so any warning about our units fails the test.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
# The terminal runs its current release (software updates switch the link: docs/fleet.md).
TERMINAL_INTERPRETER = "/opt/quorum/releases/current/bin/python"
HUB_INTERPRETER = "/opt/quorum/venv/bin/python"
SERVICES = ["quorum-edge.service", "quorum-hub.service", "quorum-hub@.service"]


def interpreter(unit: Path) -> str:
    return TERMINAL_INTERPRETER if unit.name.startswith("quorum-edge") else HUB_INTERPRETER


def directives(unit: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) in file order; keys may repeat (DeviceAllow=)."""
    found, section = [], ""
    for raw in unit.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.append((section, key.strip(), value.strip()))
    return found


def values(unit: Path, key: str) -> list[str]:
    return [v for s, k, v in directives(unit) if k == key and s == "Service"]


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is required in CI: ./dev debian-root installs systemd")
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return found


def test_systemd_analyze_verify_accepts_every_unit(systemd_analyze: str, tmp_path: Path) -> None:
    for unit in UNITS.iterdir():
        text = unit.read_text()
        if unit.suffix == ".service":
            assert values(unit, "ExecStart")[0].startswith(f"{interpreter(unit)} -m "), unit.name
            text = text.replace(interpreter(unit), sys.executable)
        (tmp_path / unit.name).write_text(text)
    names = [u.name for u in sorted(UNITS.iterdir()) if "@." not in u.name]
    names.append("quorum-hub@1.service")  # a template is verified through an instance
    done = subprocess.run(
        [systemd_analyze, "verify", *(f"./{name}" for name in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in done.stderr.splitlines() if "quorum-" in line]
    assert done.returncode == 0 and ours == [], done.stderr


def test_systemd_analyze_verify_would_catch_a_mistake(systemd_analyze: str, tmp_path: Path) -> None:
    # The check above relies on warnings: make sure a typo does produce one here.
    unit = UNITS / "quorum-edge.service"
    broken = unit.read_text().replace(interpreter(unit), sys.executable)
    (tmp_path / "quorum-edge.service").write_text(broken.replace("Type=notify", "Type=notifyy"))
    done = subprocess.run(
        [systemd_analyze, "verify", "./quorum-edge.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "notifyy" in done.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_is_hardened_and_watched(name: str) -> None:
    unit = UNITS / name
    expected = {
        "Type": "notify",
        "NotifyAccess": "main",
        "Restart": "on-failure",
        "User": "quorum",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        # The terminal also writes its own config folder: configuration push (docs/fleet.md).
        "ReadWritePaths": (
            "/var/lib/quorum /etc/quorum/terminal"
            if name == "quorum-edge.service"
            else "/var/lib/quorum"
        ),
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
        "SystemCallFilter": "@system-service",
        "WorkingDirectory": "/var/lib/quorum",
    }
    for key, value in expected.items():
        assert values(unit, key) == [value], f"{name}: {key}"
    assert int(values(unit, "WatchdogSec")[0]) >= 10  # the terminal's loop wakes every <= 5 s


def test_the_terminal_keeps_gpio_and_sound_but_nothing_else() -> None:
    unit = UNITS / "quorum-edge.service"
    # PrivateDevices= would hide /dev/gpiochip* and /dev/snd: a device allow-list instead.
    assert values(unit, "PrivateDevices") == []
    assert values(unit, "DevicePolicy") == ["closed"]
    allowed = values(unit, "DeviceAllow")
    assert "char-gpiochip rw" in allowed and "char-alsa rw" in allowed
    groups = values(unit, "SupplementaryGroups")[0].split()
    assert {"gpio", "audio"} <= set(groups)
    assert values(unit, "ExecStart") == [
        f"{TERMINAL_INTERPRETER} -m edge run --config /etc/quorum/terminal/terminal.yaml"
    ]
    assert values(UNITS / "quorum-hub.service", "PrivateDevices") == ["yes"]
