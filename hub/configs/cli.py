"""``python -m hub configs sync|status|push``: the configurations terminals should run.

Output per GUIDE section 10: without ``--json`` tables for people (problems on stderr); with
it one JSON document on stdout. Exit 0 on success; 1 when a file is invalid (after every file
was reported; nothing is imported), the folder does not exist, or a terminal is unknown; 2
for wrong usage.
"""

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from common.clock import SystemClock
from hub.audit import record
from hub.audit.actors import cli_actor
from hub.configs.state import config_view, policy_from
from hub.configs.sync import SyncReport, sync_configs
from hub.db.config_models import DeviceConfig
from hub.db.engine import one_session
from hub.db.models import Device
from hub.settings import Settings

configs_app = typer.Typer(
    help="Terminal configurations: sync them from firmware_configs/, see where each terminal "
    "stands (docs/fleet.md).",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]


@configs_app.command("sync")
def sync_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of terminal YAML files (firmware_configs/).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and compare only; import nothing.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Check every file, then import rooms, desks, terminals and the configurations to push."""
    report = run_sync(directory, dry_run=dry_run)
    if json_output:
        print(json.dumps(report.to_json()))
    else:
        print(sync_table(report))
    for result in report.files:
        for problem in result.problems:
            print(problem, file=sys.stderr)
    if not report.valid:
        print(
            f"{report.count('invalid')} invalid file(s): nothing was imported; fix them and "
            "sync again (python -m edge validate FILE shows the same problems)",
            file=sys.stderr,
        )
        raise typer.Exit(1)


def run_sync(directory: Path, *, dry_run: bool = False) -> SyncReport:
    from hub.cli import fail, prepared_settings  # the hub's CLI helpers (no import cycle)

    if not directory.is_dir():
        fail(f"{directory} is not a folder of terminal configuration files")
    settings = prepared_settings()
    with one_session(settings.database_url) as session:
        report = sync_configs(
            session, directory, now=SystemClock().now(), actor=cli_actor(), dry_run=dry_run
        )
        session.commit()
    return report


def sync_table(report: SyncReport) -> str:
    lines = [f"{'file':<28} {'terminal':<28} {'status':<10} version"]
    for f in report.files:
        version = f.version or ""
        if f.previous_version:
            version += f" (was {f.previous_version})"
        lines.append(f"{f.file:<28} {f.terminal or '?':<28} {f.status:<10} {version}")
    for device in report.missing:
        lines.append(f"{'(no file)':<28} {device:<28} {'missing':<10} keeps its configuration")
    org = report.organisation
    to_push = report.count("new") + report.count("changed")
    if report.imported and org is not None:
        lines.append(
            f"imported {len(report.files)} files: {len(org.rooms)} rooms, {len(org.desks)} "
            f"desks, {len(org.devices)} terminals; {to_push} configuration(s) to push"
        )
        if org.orphaned_rooms:
            lines.append(f"rooms in the database but in no file: {', '.join(org.orphaned_rooms)}")
    elif report.dry_run and report.valid:
        lines.append(f"dry run: nothing imported; {to_push} configuration(s) would be pushed")
    return "\n".join(lines)


@configs_app.command("status")
def status_command(json_output: JsonOption = False) -> None:
    """Every terminal: the configuration it runs, the one it should, and its last answer."""
    from hub.cli import prepared_settings

    settings = prepared_settings()
    rows = status_rows(settings)
    if json_output:
        print(json.dumps(rows, default=_iso))
        return
    print(f"{'terminal':<28} {'online':<6} {'state':<11} {'runs':<12} {'should run':<12} answer")
    for row in rows:
        answer = row["last_report"]
        said = ""
        if answer is not None:
            said = f"{answer['outcome']} {answer['version']}"
            if answer["reason"]:
                said += f" ({answer['reason']}: {answer['detail']})"
        print(
            f"{row['device']:<28} {'yes' if row['online'] else 'no':<6} {row['state']:<11} "
            f"{row['running_version'] or '-':<12} {row['desired_version'] or '-':<12} {said}"
        )


def status_rows(settings: Settings) -> list[dict[str, Any]]:
    policy = policy_from(settings)
    with one_session(settings.database_url) as session:
        found = session.execute(
            select(Device, DeviceConfig)
            .outerjoin(DeviceConfig, DeviceConfig.device_id == Device.id)
            .order_by(Device.id)
        )
        return [
            {
                "device": device.id,
                "room": device.room_id,
                "online": device.online,
                **config_view(config, device.config_version, policy),
            }
            for device, config in found
        ]


@configs_app.command("push")
def push_command(
    terminals: Annotated[list[str], typer.Argument(help="Terminal ids (term-...).")],
) -> None:
    """Push a terminal's configuration again, even after it rejected or rolled it back (once
    what made it fail is fixed); the running hub does it within a few seconds."""
    from hub.cli import fail, prepared_settings

    settings = prepared_settings()
    now = SystemClock().now()
    with one_session(settings.database_url) as session:
        for terminal in terminals:
            row = session.get(DeviceConfig, terminal)
            if row is None or row.desired_version is None:
                fail(f"no configuration for terminal {terminal!r}: sync its file first")
            row.pushed_version, row.push_count = None, 0
            record(
                session,
                actor=cli_actor(),
                action="config.repush",
                target=f"device:{terminal}",
                details={"version": row.desired_version, "last_outcome": row.outcome},
                now=now,
            )
        session.commit()
    print(f"{len(terminals)} terminal(s) will get their configuration again")


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
