"""The update directory (``update.dir``): how the terminal and its update guard talk.

The terminal process and the guard are separate processes (the guard must outlive the
terminal's restart), so they meet in files, each written atomically (write, fsync, rename)::

    requests/<rollout>-<version>.json   the hub's command, written by the terminal for the guard
    reports/<ns>-<n>-<state>.json       progress and outcome, written by the guard (and the
                                        terminal) for the terminal to publish, oldest first
    journal.json                        the guard's record of an update past the switch, so a
                                        guard that was itself interrupted finishes the job
    health.json                         the running terminal's stamp: its version and boot,
                                        written once it is connected and announced online
    downloads/                          artifacts being fetched and checked

A report file is deleted only after the terminal has put its message into the spool, which
keeps it until the hub confirms it.
"""

import itertools
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from contract.update_commands import UpdateCommand
from contract.update_data import UpdateReportData
from edge.update.layout import write_atomically

_report_numbers = itertools.count()


@dataclass(frozen=True)
class HealthStamp:
    """What a running terminal says about itself, for the guard's health check."""

    software_version: str | None
    boot: str
    pid: int
    online_at: str  # ISO-8601, the terminal's clock


@dataclass(frozen=True)
class Journal:
    """An update past its switch: the guard must see it through or roll it back."""

    rollout: int | None
    version: str
    from_version: str
    # The terminal's boot before the restart: a stamp from the same boot is not the new one.
    boot_before: str | None
    phase: str  # "switched": checking the new version; "rolling_back": back to from_version


class UpdateDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.requests = path / "requests"
        self.reports = path / "reports"
        self.downloads = path / "downloads"
        self.journal_file = path / "journal.json"
        self.health_file = path / "health.json"

    def create(self) -> None:
        for directory in (self.path, self.requests, self.reports, self.downloads):
            directory.mkdir(mode=0o750, parents=True, exist_ok=True)

    # -- requests: terminal -> guard -----------------------------------------------------

    def add_request(self, command: UpdateCommand) -> Path:
        self.create()
        path = self.requests / f"{command.rollout}-{command.version}.json"
        write_atomically(path, command.model_dump_json())
        return path

    def pending_requests(self) -> list[Path]:
        if not self.requests.is_dir():
            return []
        return sorted(p for p in self.requests.glob("*.json") if not p.name.startswith("."))

    @staticmethod
    def read_request(path: Path) -> UpdateCommand | None:
        """The request, or None if the file is not one (it is then removed by the caller)."""
        try:
            return UpdateCommand.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):
            return None

    # -- reports: guard -> terminal -> hub -----------------------------------------------

    def add_report(self, report: UpdateReportData) -> Path:
        self.create()
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(_report_numbers):06d}-{report.state}"
        path = self.reports / f"{name}.json"
        write_atomically(path, report.model_dump_json())
        return path

    def pending_reports(self) -> list[tuple[Path, UpdateReportData | None]]:
        """Reports in the order they were written; None for a file that is not one."""
        if not self.reports.is_dir():
            return []
        found: list[tuple[Path, UpdateReportData | None]] = []
        for path in sorted(self.reports.glob("*.json")):
            if path.name.startswith("."):
                continue
            try:
                found.append((path, UpdateReportData.model_validate_json(path.read_bytes())))
            except (OSError, ValidationError):
                found.append((path, None))
        return found

    # -- the guard's journal -------------------------------------------------------------

    def write_journal(self, journal: Journal) -> None:
        self.create()
        write_atomically(self.journal_file, json.dumps(asdict(journal)))

    def read_journal(self) -> Journal | None:
        raw = _read_json(self.journal_file)
        if raw is None:
            return None
        try:
            return Journal(**raw)
        except TypeError:
            return None

    def clear_journal(self) -> None:
        self.journal_file.unlink(missing_ok=True)

    # -- the terminal's health stamp -----------------------------------------------------

    def write_health(self, stamp: HealthStamp) -> None:
        self.create()
        write_atomically(self.health_file, json.dumps(asdict(stamp)))

    def read_health(self) -> HealthStamp | None:
        raw = _read_json(self.health_file)
        if raw is None:
            return None
        try:
            return HealthStamp(**raw)
        except TypeError:
            return None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None
