"""``python -m hub configs ...``: one JSON document with --json, exit 1 for invalid files."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contract.config_push import config_version
from hub.cli import app as cli
from hub.settings import get_settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):  # the master key tests/conftest.py sets stays
        if name.startswith("QUORUM_") and "MASTER_KEY" not in name:
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUORUM_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_sync_then_status_as_json(env: Path, configs: Path) -> None:
    code, out, _ = run("configs", "sync", str(configs), "--dry-run", "--json")
    assert code == 0
    planned = json.loads(out)
    assert (planned["dry_run"], planned["imported"], planned["counts"]["new"]) == (True, False, 4)
    code, out, _ = run("configs", "sync", str(configs), "--json")
    synced = json.loads(out)
    assert code == 0 and synced["imported"] and synced["organisation"]["terminals"] == 4
    aurora = next(f for f in synced["files"] if f["terminal"] == "term-hq-f1-aurora")
    assert aurora["version"] == config_version((configs / "hq-f1-aurora.yaml").read_bytes())
    code, out, _ = run("configs", "status", "--json")
    rows = {row["device"]: row for row in json.loads(out)}
    assert code == 0 and set(rows) == {f["terminal"] for f in synced["files"]}
    assert rows["term-hq-f1-aurora"]["state"] == "pending"  # offline: pushed when it is back
    assert rows["term-hq-f1-aurora"]["desired_version"] == aurora["version"]
    assert rows["term-hq-f1-aurora"]["last_report"] is None


def test_an_invalid_file_exits_1_after_reporting_every_file(env: Path, configs: Path) -> None:
    path = configs / "hq-f1-borealis.yaml"
    path.write_text(path.read_text().replace("kind: pir_motion", "kind: pir_motoin"))
    code, out, err = run("configs", "sync", str(configs), "--json")
    assert code == 1
    report = json.loads(out)  # still exactly one JSON document
    assert report["imported"] is False and report["counts"] == {
        "new": 3,
        "changed": 0,
        "unchanged": 0,
        "invalid": 1,
    }
    assert "hq-f1-borealis.yaml:" in err and "nothing was imported" in err


def test_import_configs_is_the_same_as_sync(env: Path, configs: Path) -> None:
    code, out, _ = run("import-configs", str(configs))
    assert code == 0 and "4 rooms, 6 desks, 4 terminals" in out
    again = json.loads(run("configs", "sync", str(configs), "--json")[1])
    assert again["counts"]["unchanged"] == 4


def test_push_again_needs_a_synced_terminal(env: Path, configs: Path) -> None:
    run("configs", "sync", str(configs))
    code, out, _ = run("configs", "push", "term-hq-f1-aurora")
    assert code == 0 and "1 terminal(s)" in out
    code, _, err = run("configs", "push", "term-nowhere")
    assert code == 1 and "sync its file first" in err


def test_a_folder_that_is_not_there_exits_1(env: Path) -> None:
    code, _, err = run("configs", "sync", str(env / "nowhere"))
    assert code == 1 and "not a folder" in err
