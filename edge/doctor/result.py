"""What a check found: a status, a message, and for every problem a fix."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # a problem that does not stop the terminal (or a check not required here)
    FAIL = "fail"  # a required check failed: the terminal cannot do its job
    SKIP = "skip"  # not checked (--offline, --simulate, or a check that depends on another)


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    message: str
    fix: str | None = None
    #: Whether a failure of this check makes the doctor exit 1. Checks decide it from the
    #: config: the microphone and the model are required only when speech is on.
    required: bool = True
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "required": self.required,
            "message": self.message,
            "fix": self.fix,
            "details": self.details,
        }


def problem(
    name: str,
    required: bool,
    message: str,
    fix: str,
    **details: Any,
) -> CheckResult:
    """A failure when the check is required, a warning when it is not."""
    status = Status.FAIL if required else Status.WARN
    return CheckResult(name, status, message, fix, required, dict(details))


def passed(name: str, message: str, required: bool = True, **details: Any) -> CheckResult:
    return CheckResult(name, Status.OK, message, None, required, dict(details))


def skipped(name: str, message: str, required: bool = True) -> CheckResult:
    return CheckResult(name, Status.SKIP, message, None, required)
