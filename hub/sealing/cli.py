"""``python -m hub keys ...``: the master key of encryption at rest (docs/security.md).

- ``create --out FILE``: a new random master key in FILE (mode 0600; never overwrites).
- ``status``: the configured master key and how many meeting keys it (and others) wrap.
- ``rotate --new-key-file FILE``: wrap every meeting key again with the key in FILE; then
  point ``QUORUM_MASTER_KEY_FILE`` at FILE and start the hub again.

Output per GUIDE section 10: ``--json`` prints one JSON object on stdout; exit 1 when the
input is bad or a check failed (the message says what to do), 2 on wrong usage.
"""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from common.sealing.envelope import SealError
from common.sealing.master_keys import (
    KeyProvider,
    LocalKeyProvider,
    MasterKeyError,
    create_key_file,
    read_key_file,
)
from hub.db.engine import make_engine
from hub.sealing import provider
from hub.sealing.rotation import keys_by_master, rotate

keys_app = typer.Typer(
    help="The master key that wraps meetings' keys (encryption at rest).", no_args_is_help=True
)
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


def _emit(as_json: bool, document: dict[str, Any], text: str) -> None:
    typer.echo(json.dumps(document) if as_json else text)


def _configured() -> tuple[KeyProvider, str]:
    from hub.cli import fail, prepared_settings  # the hub's CLI helpers (no import cycle)

    settings = prepared_settings()  # installs the master key and migrates
    try:
        return provider.current(), settings.database_url
    except MasterKeyError as error:
        fail(str(error))


@keys_app.command("create")
def create(
    out: Annotated[Path, typer.Option("--out", help="Where to write the new key (mode 0600).")],
    as_json: JsonOption = False,
) -> None:
    """Write a new random master key; point QUORUM_MASTER_KEY_FILE at it."""
    from hub.cli import fail

    try:
        key = create_key_file(out)
    except (MasterKeyError, OSError) as error:
        fail(str(error))
    key_id = LocalKeyProvider(key).key_id
    _emit(
        as_json,
        {"path": str(out), "key_id": key_id},
        f"master key {key_id} written to {out} (mode 0600). Keep a copy somewhere safe: "
        f"without it nothing sealed with it can be read.\nUse it: {provider.ENV_FILE}={out}",
    )


@keys_app.command("status")
def status(as_json: JsonOption = False) -> None:
    """The configured master key, and the meeting keys each master key wraps."""
    from hub.cli import fail

    master, database_url = _configured()
    engine = make_engine(database_url)
    try:
        counts = keys_by_master(engine)
    finally:
        engine.dispose()
    others = {k: v for k, v in counts.items() if k != master.key_id}
    document = {
        "master_key_id": master.key_id,
        "meeting_keys": counts.get(master.key_id, 0),
        "other_master_keys": others,
    }
    lines = [f"master key {master.key_id}: wraps {document['meeting_keys']} meeting keys"]
    lines += [f"master key {k} (not configured): wraps {v} meeting keys" for k, v in others.items()]
    _emit(as_json, document, "\n".join(lines))
    if others:
        fail(
            "some meeting keys are wrapped by a master key that is not configured: configure "
            "that key, or finish a rotation (`python -m hub keys rotate`)"
        )


@keys_app.command("rotate")
def rotate_command(
    new_key_file: Annotated[
        Path, typer.Option("--new-key-file", help="The new master key (make it with `create`).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Wrap every meeting key again with a new master key. Stop the hub workers first."""
    from hub.cli import fail

    try:
        new = LocalKeyProvider(read_key_file(new_key_file), f"the master key in {new_key_file}")
    except MasterKeyError as error:
        fail(str(error))
    old, database_url = _configured()
    engine = make_engine(database_url)
    try:
        report = rotate(engine, old, new)
    except (ValueError, SealError) as error:
        fail(str(error))
    finally:
        engine.dispose()
    document = {
        "old_master_key_id": old.key_id,
        "new_master_key_id": new.key_id,
        "rewrapped": report.rewrapped,
        "already_new": report.already_new,
        "other_master_keys": report.other,
    }
    _emit(
        as_json,
        document,
        f"{report.rewrapped} meeting keys wrapped again with {new.key_id} "
        f"({report.already_new} were already). Now set {provider.ENV_FILE}={new_key_file}, "
        "start the hub, and keep the old key until you have checked it (`keys status`).",
    )
    if report.other:
        fail(f"meeting keys under other master keys were left alone: {report.other}")
