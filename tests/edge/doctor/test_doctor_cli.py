"""``python -m edge doctor`` as an operator runs it: exit codes, the report, --json."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, WriteConfig

HAS_GPIO = any(Path("/dev").glob("gpiochip*"))


def doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge", "doctor", *args],
        cwd=ROOT,
        env={**os.environ, "QUORUM_MQTT_PASSWORD": "not-a-secret", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(HAS_GPIO, reason="this machine has a GPIO chip: the test is for one without")
def test_without_gpio_it_says_so_and_exits_1(write_config: WriteConfig, tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "spool.sqlite"
    config = write_config(extra=f"speech:\n  enabled: true\nspool:\n  path: {spool}\n")
    done = doctor("--config", str(config), "--offline")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    labels = ("ok", "warn", "FAIL", "skip")
    status = {
        line.split()[1]: line.split()[0]
        for line in lines
        if line.split()[:1] in [[x] for x in labels]
    }
    gpio = next(line for line in lines if line.startswith("FAIL  gpio"))
    assert "no GPIO chip (/dev/gpiochip*)" in gpio
    assert "--simulate" in done.stdout  # the fix says how to try it without hardware
    if not Path("/dev/snd").exists():  # speech is on, so the microphone is required
        assert status["microphone"] == "FAIL"
        assert "no microphone" in done.stdout
    failed = [name for name, label in status.items() if label == "FAIL"]
    assert failed == (["microphone", "gpio"] if status["microphone"] == "FAIL" else ["gpio"])
    assert lines[-1] == f"{len(failed)} required check(s) failed: {', '.join(failed)}"
    assert status["broker"] == "skip" and status["spool"] == "ok"


def test_simulated_and_offline_it_passes(write_config: WriteConfig) -> None:
    done = doctor("--config", str(write_config()), "--simulate", "--offline", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    names = [check["name"] for check in report["checks"]]
    assert names == [
        "config",
        "microphone",
        "gpio",
        "credentials",
        "broker",
        "model",
        "clock",
        "spool",
    ]
    by_name = {check["name"]: check for check in report["checks"]}
    assert by_name["gpio"]["status"] == "ok"
    assert "MockFactory" in by_name["gpio"]["message"]
    assert by_name["broker"]["status"] == "skip"
    assert by_name["microphone"]["status"] == "skip"
    assert report["ok"] is True and report["failed"] == []
    assert report["simulate"] is True and report["offline"] is True


def test_a_missing_or_invalid_config_is_bad_input_and_no_config_is_wrong_usage(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    missing = doctor("--config", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 1
    assert "no such file" in missing.stderr and missing.stdout == ""
    broken = write_config(extra="spool:\n  max_mbb: 10\n", name="broken.yaml")
    invalid = doctor("--config", str(broken), "--json")
    assert invalid.returncode == 1
    assert "max_mbb" in invalid.stderr and "did you mean" in invalid.stderr
    assert json.loads(invalid.stdout)["ok"] is False
    no_config = doctor()
    assert no_config.returncode == 2 and "--config" in no_config.stderr


def test_a_shipped_config_without_its_secret_passes_simulated_and_offline() -> None:
    """The secrets are for the broker, which --offline leaves out: a warning, not a failure."""
    shipped = ROOT / "firmware_configs" / "hq-f1-aurora.yaml"  # password: env:QUORUM_MQTT_PASSWORD
    offline = doctor_without_password("--config", str(shipped), "--simulate", "--offline")
    assert offline.returncode == 0, offline.stdout + offline.stderr
    checks = {c["name"]: c for c in json.loads(offline.stdout)["checks"]}
    assert checks["credentials"]["status"] == "warn"
    assert "QUORUM_MQTT_PASSWORD" in checks["credentials"]["message"]
    # Online the same gap fails the run: the broker would refuse the terminal.
    online = doctor_without_password("--config", str(shipped), "--simulate")
    assert online.returncode == 1
    checks = {c["name"]: c for c in json.loads(online.stdout)["checks"]}
    assert checks["credentials"]["status"] == "fail"


def doctor_without_password(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge", "doctor", *args, "--json"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "QUORUM_MQTT_PASSWORD"},
        capture_output=True,
        text=True,
        timeout=120,
    )
