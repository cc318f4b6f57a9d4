"""``python -m edge update-guard`` and ``python -m edge update-status``.

The guard is started by systemd when the terminal leaves a request (deploy/systemd:
``quorum-edge-update.path``), carries out what is waiting and exits; ``--watch`` keeps it
looking (a container without systemd, the tests). One guard at a time: a second one exits
at once. Exit codes: 0 (an update that failed or was rolled back is a report, not an error of
the command), 1 a configuration it cannot use, 2 wrong usage. ``--json``: the outcomes.
"""

import fcntl
import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from common.clock import SystemClock
from contract.config_loader import ConfigError, load_terminal_config
from contract.update_config import UpdateSection
from edge.update.download import HttpFetcher
from edge.update.files import UpdateDir
from edge.update.guard import GuardSettings, UpdateGuard
from edge.update.install import SlotInstaller
from edge.update.layout import LayoutError, ReleaseLayout
from edge.update.service import PidfileService, Service, SystemdService

log = logging.getLogger("edge.update")

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The terminal's config file (its update: section).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]


def update_guard_command(
    config: ConfigOption,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep looking for requests until SIGTERM.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Carry out the terminal's pending software update: install, switch, restart, check,
    and roll back if the new version is not healthy (docs/fleet.md)."""
    logging.basicConfig(
        stream=sys.stderr, level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    section = _section(config)
    files = UpdateDir(Path(section.dir))
    try:
        files.create()
    except OSError as exc:
        _fail(f"cannot use the update directory {files.path}: {exc}")
    lock = _take_lock(files.path / "guard.lock")
    if lock is None:
        log.info("another update guard is at work; leaving it to that one")
        if json_output:
            print(json.dumps({"outcomes": [], "skipped": "another guard is running"}))
        return
    guard = build_guard(section, config)
    stop = threading.Event()
    if watch:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    outcomes = guard.run_pending()
    while watch and not stop.wait(0.5):
        outcomes += guard.run_pending()
    if json_output:
        print(json.dumps({"outcomes": [o.model_dump(mode="json") for o in outcomes]}))


def update_status_command(config: ConfigOption, json_output: JsonOption = False) -> None:
    """Show the current release, the installed ones and any update under way."""
    section = _section(config)
    files = UpdateDir(Path(section.dir))
    layout = layout_of(section)
    try:
        current = layout.current_version()
    except LayoutError as exc:
        _fail(str(exc))
    journal = files.read_journal()
    stamp = files.read_health()
    document = {
        "enabled": section.enabled,
        "releases": section.releases,
        "current_link": section.current_link,
        "current": current,
        "installed": layout.installed_versions(),
        "running": None if stamp is None else stamp.software_version,
        "running_boot": None if stamp is None else stamp.boot,
        "in_progress": None if journal is None else journal.__dict__,
        "pending_requests": [p.name for p in files.pending_requests()],
        "unsent_reports": len(files.pending_reports()),
    }
    if json_output:
        print(json.dumps(document))
        return
    print(f"updates {'on' if section.enabled else 'off'}; releases in {section.releases}")
    print(f"current: {current or '-'}   running: {document['running'] or '-'}")
    print(f"installed: {', '.join(layout.installed_versions()) or '-'}")
    if journal is not None:
        print(f"under way: {journal.from_version} -> {journal.version} ({journal.phase})")


def build_guard(section: UpdateSection, config: Path) -> UpdateGuard:
    return UpdateGuard(
        UpdateDir(Path(section.dir)),
        layout_of(section),
        HttpFetcher(section.ca_file),
        SlotInstaller(extras=section.extras, pip_args=section.pip_args),
        terminal_service(section, config),
        GuardSettings(
            config=config.resolve(),
            health_timeout_s=section.health_timeout,
            settle_s=section.settle,
            keep=section.keep,
            check=section.check,
        ),
        SystemClock(),
        time.sleep,
    )


def terminal_service(section: UpdateSection, config: Path) -> Service:
    """The terminal as the guard restarts it: the systemd unit, or a process of its own."""
    if section.pidfile is None or section.command is None:
        return SystemdService(section.service)
    config_path = str(config.resolve())
    fill = {"{current}": section.current_link, "{config}": config_path}
    argv = [_filled(part, fill) for part in section.command]
    log_file = Path(section.dir) / "terminal.log"
    return PidfileService(Path(section.pidfile), argv, cwd=Path(section.dir), log_file=log_file)


def layout_of(section: UpdateSection) -> ReleaseLayout:
    return ReleaseLayout(Path(section.releases), Path(section.current_link))


def _filled(part: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        part = part.replace(placeholder, value)
    return part


def _section(config: Path) -> UpdateSection:
    try:
        return load_terminal_config(config).update
    except ConfigError as exc:
        _fail(*(str(p) for p in exc.problems))


def _take_lock(path: Path) -> object | None:
    """An exclusive lock held for the life of this process (None: another guard has it)."""
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _fail(*lines: str) -> NoReturn:
    for line in lines:
        print(line, file=sys.stderr)
    raise typer.Exit(1)
