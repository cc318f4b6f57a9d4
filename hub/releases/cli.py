"""``python -m hub releases ...``: add releases, roll them out, watch, promote, halt.

Output per GUIDE section 10: with ``--json`` stdout holds one JSON document; exit 0 success,
1 bad input or a refused step (the message on stderr says what to do), 2 wrong usage. The
running hub (``hub serve``) sends the commands; these commands only change the store.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import SystemClock
from contract.units import parse_duration
from hub.audit import record
from hub.audit.actors import cli_actor
from hub.db.engine import one_session
from hub.db.models import Device
from hub.db.release_models import Rollout
from hub.releases.rollouts import (
    RolloutError,
    RolloutRequest,
    create_rollout,
    find_rollout,
    halt,
    promote,
    rollout_status,
)
from hub.releases.store import ReleaseError, add_release, list_releases, release_out
from hub.settings import Settings

releases_app = typer.Typer(
    help="Terminal software: releases and staged rollouts (docs/fleet.md).", no_args_is_help=True
)
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
T = TypeVar("T")


@contextmanager
def _session() -> Iterator[tuple[Session, Settings]]:
    from hub.cli import prepared_settings

    settings = prepared_settings()
    with one_session(settings.database_url) as session:
        yield session, settings


def _refused(action: Callable[[], T]) -> T:
    from hub.cli import fail

    try:
        return action()
    except (ReleaseError, RolloutError) as exc:
        fail(str(exc))


def _audit(session: Session, action: str, target: str, details: dict[str, Any]) -> None:
    record(
        session,
        actor=cli_actor(),
        action=action,
        target=target,
        details=details,
        now=SystemClock().now(),
    )


@releases_app.command("add")
def add_command(
    file: Annotated[
        Path, typer.Argument(help="A wheel (.whl) or bundle (.tar.gz) of the terminal.")
    ],
    notes: Annotated[str | None, typer.Option("--notes", help="What changed, for people.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Store a release: its file under QUORUM_RELEASES_DIR, its manifest in the hub."""
    from hub.cli import fail

    if not file.is_file():
        fail(f"{file}: no such file")
    with _session() as (session, settings):
        now = SystemClock().now()
        release, new = _refused(
            lambda: add_release(
                session, file, settings.releases_dir, now=now, actor=cli_actor(), notes=notes
            )
        )
        if new:
            details = {"sha256": release.sha256, "filename": release.filename}
            _audit(session, "release.add", f"release:{release.version}", details)
        session.commit()
        document = {"release": release_out(release), "added": new}
    if json_output:
        print(json.dumps(document))
        return
    what = "added" if new else "already there (same file)"
    print(
        f"release {release.version} {what}: {release.filename}, {release.kind}, "
        f"{release.size_bytes} bytes, SHA-256 {release.sha256}"
    )
    print(f"roll it out with: python -m hub releases rollout {release.version} --canary 2")


@releases_app.command("list")
def list_command(json_output: JsonOption = False) -> None:
    """Releases, and how many terminals run each version."""
    with _session() as (session, _):
        releases: list[dict[str, Any]] = [release_out(r) for r in list_releases(session)]
        running = Counter(v or "unknown" for v in session.scalars(select(Device.software_version)))
    for release in releases:
        release["terminals_running"] = running.get(str(release["version"]), 0)
    if json_output:
        print(json.dumps({"releases": releases, "versions_running": dict(running)}))
        return
    for release in releases:
        print(
            f"{release['version']:<16} {release['kind']:<7} {release['added_at'][:16]}  "
            f"{release['terminals_running']} terminal(s)  {release['notes'] or ''}"
        )
    print("running: " + ", ".join(f"{v} x{n}" for v, n in running.most_common()))


@releases_app.command("rollout")
def rollout_command(
    version: Annotated[str, typer.Argument(help="The release to roll out.")],
    canary: Annotated[
        int, typer.Option("--canary", min=0, help="This many terminals first (0: no canary).")
    ] = 1,
    devices: Annotated[
        list[str] | None,
        typer.Option("--device", help="Only these terminals (repeat; canaries are the first)."),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option("--batch-size", min=1, help="Then at most this many at once."),
    ] = 10,
    manual: Annotated[
        bool, typer.Option("--manual", help="Wait for 'promote' once the canaries are healthy.")
    ] = False,
    health_timeout: Annotated[
        str, typer.Option(help="The new version's time to connect and report after its restart.")
    ] = "5m",
    reply_timeout: Annotated[
        str, typer.Option(help="How long to wait for a terminal's outcome after the command.")
    ] = "30m",
    json_output: JsonOption = False,
) -> None:
    """Start a staged rollout: the canaries first, the rest in batches once they are healthy;
    any failure or rollback halts it. The running hub sends the commands."""
    from hub.cli import fail

    try:
        health_s, reply_s = parse_duration(health_timeout), parse_duration(reply_timeout)
    except ValueError as exc:
        fail(str(exc))
    request = RolloutRequest(
        version=version,
        canary=canary,
        devices=devices or None,
        batch_size=batch_size,
        auto_promote=not manual,
        health_timeout_s=health_s,
        reply_timeout_s=reply_s,
    )
    with _session() as (session, _):
        now = SystemClock().now()
        rollout = _refused(lambda: create_rollout(session, request, now=now, actor=cli_actor()))
        document = rollout_status(session, rollout)
        details = {"version": version, "terminals": len(document["devices"]), "canary": canary}
        _audit(session, "rollout.start", f"rollout:{rollout.id}", details)
        session.commit()
    _print(document, json_output)


@releases_app.command("status")
def status_command(
    version: Annotated[
        str | None, typer.Argument(help="Its newest rollout (default: the newest of any).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """The rollout terminal by terminal, and the version every terminal runs."""
    with _session() as (session, _):
        rollout = find_rollout(session, version)
        status = rollout_status(session, rollout) if rollout is not None else None
        terminals = [
            {
                "device_id": d.id,
                "room_id": d.room_id,
                "online": d.online,
                "software_version": d.software_version,
            }
            for d in session.scalars(select(Device).order_by(Device.id))
        ]
    if json_output:
        print(json.dumps({"rollout": status, "terminals": terminals}))
        return
    if status is not None:
        _print(status, False)
        print()
    else:
        print("no rollout" + (f" of {version}" if version else "") + " yet")
    print("terminals:")
    for t in terminals:
        print(
            f"  {t['device_id']:<32} {t['software_version'] or '?':<12} "
            f"{'online' if t['online'] else 'offline'}"
        )


@releases_app.command("promote")
def promote_command(
    version: Annotated[str, typer.Argument(help="The release whose newest rollout goes on.")],
    json_output: JsonOption = False,
) -> None:
    """Go on to every terminal: now from the canary, or past the failures of a halted one."""
    with _session() as (session, _):
        rollout = _newest(session, version)
        now = SystemClock().now()
        before = _refused(lambda: promote(session, rollout, now=now))
        _audit(session, "rollout.promote", f"rollout:{rollout.id}", {"from_state": before})
        session.commit()
        document = rollout_status(session, rollout)
    _print(document, json_output)


@releases_app.command("halt")
def halt_command(
    version: Annotated[str, typer.Argument(help="The release whose rollout stops.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the record.")] = "",
    json_output: JsonOption = False,
) -> None:
    """Stop a rollout: no more terminals are sent the release (those updating finish)."""
    with _session() as (session, _):
        rollout = _newest(session, version)
        why = reason or f"halted by {cli_actor()}"
        _refused(lambda: halt(session, rollout, now=SystemClock().now(), reason=why))
        _audit(session, "rollout.halt", f"rollout:{rollout.id}", {"reason": why})
        session.commit()
        document = rollout_status(session, rollout)
    _print(document, json_output)


def _newest(session: Session, version: str) -> Rollout:
    from hub.cli import fail

    rollout = find_rollout(session, version)
    if rollout is None:
        fail(f"no rollout of {version}: start one with 'python -m hub releases rollout {version}'")
    return rollout


def _print(status: dict[str, Any], json_output: bool) -> None:
    if json_output:
        print(json.dumps(status))
        return
    counts = ", ".join(f"{n} {state}" for state, n in sorted(status["counts"].items()))
    print(f"rollout {status['id']} of {status['version']}: {status['state']} ({counts})")
    for note in (status["halted_reason"], status["waiting_for"]):
        if note:
            print(f"  {note}")
    for d in status["devices"]:
        mark = "*" if d["canary"] else " "
        why = f"  {d['reason']}: {d['detail']}" if d["reason"] else ""
        print(
            f" {mark}{d['device_id']:<32} {d['state']:<12} runs {d['software_version'] or '?'}{why}"
        )
