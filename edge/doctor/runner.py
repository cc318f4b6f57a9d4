"""Run every check in a fixed order; one check's crash is its own failure, not the doctor's."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.doctor.broker import check_broker
from edge.doctor.clock import check_clock
from edge.doctor.context import DoctorContext
from edge.doctor.credentials import check_credentials
from edge.doctor.gpio import check_gpio
from edge.doctor.microphone import check_microphone
from edge.doctor.result import CheckResult, Status, passed
from edge.doctor.speech_model import check_model
from edge.doctor.spool import check_spool

Check = Callable[[DoctorContext], CheckResult]

#: (name, check) in the order they run and are shown: hardware, network, software, host.
CHECKS: list[tuple[str, Check]] = [
    ("microphone", check_microphone),
    ("gpio", check_gpio),
    ("credentials", check_credentials),
    ("broker", check_broker),
    ("model", check_model),
    ("clock", check_clock),
    ("spool", check_spool),
]


@dataclass(frozen=True)
class Report:
    context: DoctorContext
    results: list[CheckResult]

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.results if r.status is Status.FAIL]

    @property
    def warnings(self) -> list[str]:
        return [r.name for r in self.results if r.status is Status.WARN]

    @property
    def ok(self) -> bool:
        """Every required check passed (warnings and skipped checks do not count)."""
        return not self.failed

    def as_json(self) -> dict[str, Any]:
        return {
            "config": str(self.context.config_path),
            "terminal": self.context.config.terminal.id,
            "room": self.context.config.room.id,
            "simulate": self.context.simulate,
            "offline": self.context.offline,
            "ok": self.ok,
            "failed": self.failed,
            "warnings": self.warnings,
            "checks": [r.as_json() for r in self.results],
        }


def config_summary(ctx: DoctorContext) -> CheckResult:
    cfg = ctx.config
    return passed(
        "config",
        f"{ctx.config_path}: terminal {cfg.terminal.id}, room {cfg.room.id}, "
        f"{len(cfg.sensors)} sensor(s), speech {'on' if cfg.speech.enabled else 'off'}",
    )


def run_checks(ctx: DoctorContext, checks: list[tuple[str, Check]] | None = None) -> Report:
    results = [config_summary(ctx)]
    for name, check in checks if checks is not None else CHECKS:
        try:
            results.append(check(ctx))
        except Exception as exc:  # a bug in one check must not hide the others' findings
            results.append(
                CheckResult(
                    name,
                    Status.FAIL,
                    f"the check itself failed: {type(exc).__name__}: {exc}",
                    "this is a bug in the doctor: please report it with the --json output",
                )
            )
    return Report(ctx, results)
