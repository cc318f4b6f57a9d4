"""``python -m hub configs sync DIR``: check every terminal file, then import them all.

Every ``*.yaml``/``*.yml`` file in the folder is read once, as bytes; its version is
:func:`contract.config_push.config_version` of those bytes, and its text is what the hub
pushes, so the terminal's file ends up byte for byte the same. Each file is reported as
``new`` (no configuration stored for its terminal yet), ``changed``, ``unchanged`` or
``invalid`` (with every problem, FILE:LINE). Nothing is imported when any file is invalid:
the files describe one building together (ids unique across files), so half of them would
be a state nobody wrote. Terminals with a stored configuration but no file any more are
reported as ``missing`` and keep theirs.

Importing upserts the organisation (sites ... rooms, desks, terminals: hub/org/importer.py)
and stores each terminal's desired configuration; the push loop (hub/configs/push.py) does
the rest while the hub runs.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.config_loader import ConfigError, parse_terminal_config, validate_files
from contract.config_push import MAX_CONFIG_BYTES, config_version
from contract.terminal_config import TerminalConfig
from hub.audit import record
from hub.db.config_models import DeviceConfig
from hub.org.importer import ImportReport, import_terminal_configs

FileStatus = Literal["new", "changed", "unchanged", "invalid"]


@dataclass
class FileResult:
    file: str
    status: FileStatus
    terminal: str | None = None
    room: str | None = None
    version: str | None = None
    previous_version: str | None = None  # the stored one, when it changed
    problems: list[str] = field(default_factory=list)
    # Kept for the import, not reported.
    text: str = field(default="", repr=False)
    config: TerminalConfig | None = field(default=None, repr=False)


@dataclass
class SyncReport:
    directory: str
    dry_run: bool
    files: list[FileResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # stored, but in no file now
    imported: bool = False
    organisation: ImportReport | None = None

    @property
    def valid(self) -> bool:
        return all(f.status != "invalid" for f in self.files)

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)

    def to_json(self) -> dict[str, Any]:
        org = self.organisation
        return {
            "directory": self.directory,
            "dry_run": self.dry_run,
            "valid": self.valid,
            "imported": self.imported,
            "counts": {s: self.count(s) for s in ("new", "changed", "unchanged", "invalid")},
            "files": [
                {
                    "file": f.file,
                    "status": f.status,
                    "terminal": f.terminal,
                    "room": f.room,
                    "version": f.version,
                    "previous_version": f.previous_version,
                    "problems": f.problems,
                }
                for f in self.files
            ],
            "missing": self.missing,
            "organisation": None
            if org is None
            else {
                "rooms": len(org.rooms),
                "desks": len(org.desks),
                "terminals": len(org.devices),
                "orphaned_rooms": org.orphaned_rooms,
            },
        }


def config_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))


def plan_sync(session: Session, directory: Path, *, dry_run: bool = False) -> SyncReport:
    """Read and check every file and compare it with what is stored; change nothing."""
    paths = config_files(directory)
    report = SyncReport(str(directory), dry_run)
    _, problems = validate_files(paths)  # every problem, with the cross-file ones
    by_file: dict[str, list[str]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(str(problem))
    stored = {row.device_id: row for row in session.scalars(select(DeviceConfig))}
    for path in paths:
        result = _read(path, by_file.get(str(path), []))
        if result.config is not None:
            row = stored.get(result.config.terminal.id)
            known = row.desired_version if row is not None else None
            if known is None:
                result.status = "new"
            elif known != result.version:
                result.status, result.previous_version = "changed", known
        report.files.append(result)
    in_files = {f.terminal for f in report.files if f.terminal is not None}
    report.missing = sorted(
        device for device, row in stored.items() if row.desired_version and device not in in_files
    )
    return report


def _read(path: Path, problems: list[str]) -> FileResult:
    result = FileResult(file=path.name, status="unchanged", problems=list(problems))
    try:
        content = path.read_bytes()
        result.text = content.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        result.status, result.problems = "invalid", result.problems or [f"{path}: {exc}"]
        return result
    result.version = config_version(content)
    if len(content) > MAX_CONFIG_BYTES:
        result.problems.append(f"{path}: {len(content)} bytes, over {MAX_CONFIG_BYTES} to push")
    try:
        config = parse_terminal_config(result.text, str(path))
    except ConfigError as exc:  # changed since validate_files read it, or listed there
        result.problems += [str(p) for p in exc.problems if str(p) not in result.problems]
        config = None
    if config is not None:
        result.terminal, result.room = config.terminal.id, config.room.id
    else:  # still say whose file it is, if it says so: it is invalid, not missing
        result.terminal, result.room = _ids_in(result.text)
    if result.problems or config is None:
        result.status = "invalid"
        return result
    result.config = config
    return result


def sync_configs(
    session: Session, directory: Path, *, now: datetime, actor: str, dry_run: bool = False
) -> SyncReport:
    """Plan, and unless it is a dry run or a file is invalid, import (flushed, not committed)."""
    report = plan_sync(session, directory, dry_run=dry_run)
    if dry_run or not report.valid:
        return report
    configs = [f.config for f in report.files if f.config is not None]
    report.organisation = import_terminal_configs(session, configs)
    report.organisation.files = len(report.files)
    for result in report.files:
        assert result.config is not None and result.terminal is not None
        _store(session, result, now)
    record(
        session,
        actor=actor,
        action="config.sync",
        target=f"configs:{directory}",
        details={
            "files": len(report.files),
            "new": [f.terminal for f in report.files if f.status == "new"],
            "changed": [f.terminal for f in report.files if f.status == "changed"],
            "unchanged": report.count("unchanged"),
            "missing": report.missing,
            "orphaned_rooms": report.organisation.orphaned_rooms,
        },
        now=now,
    )
    report.imported = True
    return report


def _store(session: Session, result: FileResult, now: datetime) -> None:
    assert result.terminal is not None
    row = session.get(DeviceConfig, result.terminal)
    if row is None:
        row = DeviceConfig(device_id=result.terminal, push_count=0)
        session.add(row)
    row.desired_source = result.file[:255]
    if result.status != "unchanged":
        row.desired_version = result.version
        row.desired_yaml = result.text
        row.synced_at = now
        row.push_count = 0  # a new version: its pushes count from zero
    session.flush()


def _ids_in(text: str) -> tuple[str | None, str | None]:
    """``terminal.id`` and ``room.id`` of a file that did not validate, where it names them."""
    try:
        document = YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        return None, None

    def named(section: str) -> str | None:
        part = document.get(section) if isinstance(document, dict) else None
        value = part.get("id") if isinstance(part, dict) else None
        return value if isinstance(value, str) else None

    return named("terminal"), named("room")
