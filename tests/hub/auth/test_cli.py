"""``python -m hub users deactivate|activate`` and ``python -m hub audit list``: what the
operator does on the hub's machine when someone leaves, and the log it leaves."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import FIRMWARE_CONFIGS, auth, running_hub
from typer.testing import CliRunner

from common.clock import FakeClock, SystemClock
from hub.cli import app as cli
from hub.settings import get_settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    database = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    # The master key for encryption at rest that tests/conftest.py sets stays.
    kept = {"QUORUM_MASTER_KEY", "QUORUM_MASTER_KEY_FILE", "QUORUM_KEY_PROVIDER"}
    for name in list(os.environ):
        if name.startswith("QUORUM_") and name not in kept:
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUORUM_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("QUORUM_INGEST_ENABLED", "false")
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def add_user(user: str, role: str) -> str:
    code, out, err = run("users", "add", "--id", user, "--name", user.title(), "--role", role)
    assert code == 0, err
    code, out, err = run("tokens", "create", user, "--json")
    assert code == 0, err
    token: str = json.loads(out)["token"]
    return token


def test_deactivating_from_the_command_line_stops_the_user_at_once(
    env: Path, tmp_path: Path
) -> None:
    assert run("import-configs", str(FIRMWARE_CONFIGS))[0] == 0
    token = add_user("ana", "member")
    # The hub's clock stands at the wall clock's time, like the command line's.
    clock = FakeClock(SystemClock().now())
    with running_hub(tmp_path, clock=clock, database_url=os.environ["QUORUM_DATABASE_URL"]) as hub:
        assert hub.client.get("/api/v1/me", headers=auth(token)).status_code == 200
        code, out, err = run("users", "deactivate", "ana", "--json")
        assert code == 0, err
        assert json.loads(out) == {
            "user_id": "ana",
            "was_active": True,
            "tokens_revoked": 1,
            "refresh_tokens_revoked": 0,
            "webhooks_stopped": 0,
            "calendar_feeds_revoked": 0,
        }
        # The running hub sees it on the very next request.
        assert hub.client.get("/api/v1/me", headers=auth(token)).status_code == 401
    code, out, _ = run("users", "activate", "ana", "--json")
    assert code == 0 and json.loads(out)["was_active"] is False

    code, out, _ = run("audit", "list", "--json")
    assert code == 0
    document = json.loads(out)  # exactly one JSON document on stdout
    actions = [(e["actor"][:3], e["action"], e["target"]) for e in reversed(document["entries"])]
    assert actions == [
        # import-configs runs `configs sync`, which records what it did as one entry.
        ("cli", "config.sync", f"configs:{FIRMWARE_CONFIGS}"),
        ("cli", "user.create", "user:ana"),
        ("cli", "token.create", "token:1"),
        # The hub's start: its configuration and the bootstrap admin.
        ("sys", "config.import", f"configs:{FIRMWARE_CONFIGS}"),
        ("sys", "user.create", "user:admin"),
        ("sys", "token.create", "token:2"),
        ("cli", "user.deactivate", "user:ana"),
        ("cli", "user.activate", "user:ana"),
    ]
    assert all(e["address"] is None for e in document["entries"])
    assert token not in out
    code, text, _ = run("audit", "list", "--action", "user.", "--limit", "1")
    assert code == 0 and "user.activate" in text and "older; use --offset 1" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "deactivate", "nobody"], "no user 'nobody'"),
        (["users", "deactivate", "boss"], "last active admin"),
        (["audit", "list", "--since", "yesterday"], "--since 'yesterday' is not a date"),
    ],
)
def test_bad_input_exits_1_with_a_message(env: Path, args: list[str], message: str) -> None:
    add_user("boss", "admin")
    code, out, err = run(*args)
    assert code == 1, out
    assert message in err


def test_a_token_beyond_its_bound_is_refused(env: Path) -> None:
    add_user("ana", "member")
    code, _, err = run("tokens", "create", "ana", "--expires-days", "366")
    assert code == 1 and "at most 365 days" in err
    assert run("tokens", "create", "ana", "--expires-days", "0")[0] == 2  # not a lifetime
