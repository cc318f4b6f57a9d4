"""What the software-update integration test runs on: release slots, a terminal config with
an ``update:`` section, and the hub's app served on a real port (the guard downloads over HTTP).

The releases are not wheels: building and pip-installing a wheel with the terminal's
dependencies takes minutes. A release here is a slot with the same mechanics (a directory
under ``releases/``, ``bin/python`` that the service runs, the version in a
``quorum_rooms-<version>.dist-info`` that ``importlib.metadata`` finds first, so the terminal
reports it as its ``software_version``); ``bin/python`` is a small script that runs this
repository's code with the test's interpreter. A broken release fails only ``edge run`` (its
entry point does not start), so it passes the pre-switch check and is rolled back after the
restart.
"""

import io
import json
import sys
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from ruamel.yaml import YAML

from devtools.waiting import wait_for
from hub.app import create_app
from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
ADMIN_TOKEN = "update-test-admin-token-0123456789"

_GOOD = """#!/bin/sh
here=$(cd "$(dirname "$0")/.." && pwd -P)
export PYTHONPATH="$here/lib:{root}"
exec {python} "$@"
"""
_BROKEN = """#!/bin/sh
here=$(cd "$(dirname "$0")/.." && pwd -P)
case " $* " in
  *" run "*) echo "ImportError: cannot import name 'SensorBank' (a broken release)" >&2; exit 1 ;;
esac
export PYTHONPATH="$here/lib:{root}"
exec {python} "$@"
"""


def release_files(version: str, *, broken: bool = False) -> dict[str, tuple[str, int]]:
    """A release's files: name -> (text, mode)."""
    script = (_BROKEN if broken else _GOOD).format(root=ROOT, python=sys.executable)
    metadata = f"Metadata-Version: 2.1\nName: quorum-rooms\nVersion: {version}\n"
    return {
        "bin/python": (script, 0o755),
        f"lib/quorum_rooms-{version}.dist-info/METADATA": (metadata, 0o644),
    }


def install_slot(slot: Path, files: dict[str, tuple[str, int]]) -> None:
    for name, (text, mode) in files.items():
        path = slot / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)


def bundle(directory: Path, version: str, files: dict[str, tuple[str, int]]) -> Path:
    """The release as the hub hands it out: a .tar.gz with its manifest."""
    path = directory / f"quorum-terminal-{version}.tar.gz"
    manifest = json.dumps({"version": version, "contract_version": 1})
    with tarfile.open(path, "w:gz") as archive:
        for name, (text, mode) in {"quorum-release.json": (manifest, 0o644), **files}.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            archive.addfile(info, io.BytesIO(data))
    return path


def terminal_config(directory: Path, port: int, prefix: str, update: dict[str, Any]) -> Path:
    """Aurora's shipped config, on the test's broker, with a spool and ``update`` of its own."""
    yaml = YAML()
    config = yaml.load((ROOT / "firmware_configs" / "hq-f1-aurora.yaml").read_text())
    config["mqtt"] = {"host": "127.0.0.1", "port": port, "prefix": prefix}
    config["spool"] = {"path": str(directory / "spool.sqlite")}
    config["update"] = update
    path = directory / "terminal.yaml"
    with path.open("w") as out:
        yaml.dump(config, out)
    return path


@contextmanager
def served_hub(database_url: str, port: int, **settings: Any) -> Iterator[Settings]:
    """The hub's app with ingest and the rollout loop, served by uvicorn on ``port``."""
    hub_settings = Settings(
        _env_file=None,
        database_url=database_url,
        host="127.0.0.1",
        port=port,
        checkin_enabled=False,
        alerts_enabled=False,
        reports_enabled=False,
        retention_enabled=False,
        bootstrap_token=ADMIN_TOKEN,
        **settings,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(hub_settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="hub", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), "the hub to start")
        assert server.started, "the hub did not start"
        yield hub_settings
    finally:
        server.should_exit = True
        thread.join(30)
