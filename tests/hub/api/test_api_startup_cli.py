"""Start-up (lifespan) failures and the ``python -m hub`` command line."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import FIRMWARE_CONFIGS, auth, running_hub
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.settings import get_settings
from hub.startup import StartupError


@pytest.fixture
def broken_configs(tmp_path: Path) -> Path:
    directory = tmp_path / "configs"
    shutil.copytree(FIRMWARE_CONFIGS, directory)
    path = directory / "hq-f1-borealis.yaml"
    path.write_text(path.read_text().replace("kind: pir_motion", "kind: pir_motoin"))
    return directory


def test_an_invalid_config_file_aborts_start_up_with_its_message(
    tmp_path: Path, broken_configs: Path
) -> None:
    with pytest.raises(StartupError) as caught, running_hub(tmp_path, configs_dir=broken_configs):
        pass
    message = str(caught.value)
    assert "hq-f1-borealis.yaml" in message
    assert "pir_motion" in message  # the suggestion


def test_a_missing_configs_dir_aborts_start_up(tmp_path: Path) -> None:
    with (
        pytest.raises(StartupError, match="does not exist"),
        running_hub(tmp_path, configs_dir=tmp_path / "nope"),
    ):
        pass


def test_the_app_runs_without_configs(tmp_path: Path) -> None:
    with running_hub(tmp_path, configs_dir=None) as hub:
        assert hub.ok("/rooms") == []


# -- command line ---------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    database = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):  # the master key tests/conftest.py sets stays
        if name.startswith("QUORUM_") and "MASTER_KEY" not in name:
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUORUM_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("QUORUM_INGEST_ENABLED", "false")
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_and_import(env: Path) -> None:
    code, out, _ = run("db", "upgrade")
    assert code == 0 and "up to date" in out
    code, out, _ = run("import-configs", str(FIRMWARE_CONFIGS))
    assert code == 0
    assert "4 rooms, 6 desks, 4 terminals" in out


def test_import_of_a_broken_directory_exits_1_naming_the_file(
    env: Path, broken_configs: Path
) -> None:
    code, _, err = run("import-configs", str(broken_configs))
    assert code == 1
    assert "hq-f1-borealis.yaml" in err


def test_users_and_tokens_from_the_command_line(env: Path, tmp_path: Path) -> None:
    assert run("import-configs", str(FIRMWARE_CONFIGS))[0] == 0
    code, out, _ = run(
        "users",
        "add",
        "--id",
        "ana",
        "--name",
        "Ana",
        "--role",
        "facilities",
        "--department",
        "exec",
        "--email",
        "ana@example.com",
    )
    assert code == 0, out
    code, out, err = run("tokens", "create", "ana", "--name", "cli", "--json")
    assert code == 0, err
    document = json.loads(out)  # stdout is exactly one JSON document
    assert document["user_id"] == "ana" and document["name"] == "cli"
    code, plain, _ = run("tokens", "create", "ana")
    assert code == 0 and len(plain.strip()) >= 40 and "\n" not in plain.strip()
    with running_hub(tmp_path, database_url=os.environ["QUORUM_DATABASE_URL"]) as hub:
        me = hub.client.get("/api/v1/me", headers=auth(document["token"])).json()
        assert (me["id"], me["role"], me["department_id"]) == ("ana", "facilities", "exec")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "add", "--id", "bo", "--name", "Bo", "--role", "boss"], "unknown role 'boss'"),
        (
            ["users", "add", "--id", "bo", "--name", "Bo", "--role", "member", "--department", "x"],
            "unknown department",
        ),
        (["users", "add", "--id", "Bo!", "--name", "Bo", "--role", "member"], "not valid"),
        (["tokens", "create", "nobody"], "no user 'nobody'"),
    ],
)
def test_bad_input_exits_1_with_a_message(env: Path, args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 1
    assert message in err


@pytest.mark.parametrize(
    "args", [["users", "add", "--id", "x"], ["tokens", "create"], ["--frobnicate"], ["nope"]]
)
def test_wrong_usage_exits_2(env: Path, args: list[str]) -> None:
    assert run(*args)[0] == 2


def test_serve_refuses_broken_configs_before_listening(
    env: Path, broken_configs: Path, monkeypatch
) -> None:
    monkeypatch.setenv("QUORUM_CONFIGS_DIR", str(broken_configs))
    get_settings.cache_clear()
    code, _, err = run("serve")
    assert code == 1
    assert "hq-f1-borealis.yaml" in err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_python_m_hub_serves_by_default(tmp_path: Path) -> None:
    port = free_port()
    token_file = tmp_path / "admin-token"
    environment = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("QUORUM_") or "MASTER_KEY" in k  # tests/conftest.py's key
        },
        "QUORUM_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "QUORUM_CONFIGS_DIR": str(FIRMWARE_CONFIGS),
        "QUORUM_INGEST_ENABLED": "false",
        "QUORUM_PORT": str(port),
        "QUORUM_BOOTSTRAP_TOKEN_FILE": str(token_file),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hub"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as response:
                    assert json.load(response) == {"status": "ok"}
                    break
            except OSError:
                assert time.monotonic() < deadline, "the hub did not answer"
                time.sleep(0.2)
        token = token_file.read_text().strip()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/rooms", headers=auth(token)
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert len(json.load(response)) == 4
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert f"Quorum hub on http://127.0.0.1:{port} (API docs at /docs)" in out
    assert err.count("admin token: ") == 1
    # Uvicorn re-raises the signal after a graceful shutdown: 130 is "ended by Ctrl-C".
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err
