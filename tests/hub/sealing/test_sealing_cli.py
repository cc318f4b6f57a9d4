"""``python -m hub keys``: create a master key, see what it wraps, rotate it; and the hub's
start-up refusing a missing or wrong master key."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sealing_world import SECRET
from sqlalchemy import select
from test_sealing_store import COSMOS, a_meeting
from typer.testing import CliRunner

from common.clock import FakeClock
from hub.cli import app as cli
from hub.db.engine import make_engine, make_session_factory
from hub.db.speech_models import TranscriptSegment
from hub.ingest.apply import Received, apply_batch
from hub.sealing import provider
from hub.settings import Settings, get_settings
from hub.startup import StartupError, prepare

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):
        if name.startswith("QUORUM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUORUM_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    get_settings.cache_clear()
    provider.install(None)
    yield tmp_path
    get_settings.cache_clear()
    provider.install(None)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def use_key(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("QUORUM_MASTER_KEY_FILE", str(path))
    get_settings.cache_clear()
    provider.install(None)


def transcript_texts(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return [s.text for s in session.scalars(select(TranscriptSegment))]
    finally:
        engine.dispose()


def test_without_a_master_key_the_hub_says_how_to_make_one(env: Path) -> None:
    code, _, err = run("db", "upgrade")
    assert code == 1 and "python -m hub keys create --out" in err
    code, out, _ = run("keys", "create", "--out", str(env / "k.key"), "--json")
    assert code == 0 and json.loads(out)["key_id"].startswith("local:")
    code, _, err = run("keys", "create", "--out", str(env / "k.key"))
    assert code == 1 and "exists already" in err


def test_rotation_wraps_every_meeting_key_again(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = env / "old.key", env / "new.key"
    assert run("keys", "create", "--out", str(old))[0] == 0
    assert run("keys", "create", "--out", str(new))[0] == 0
    use_key(monkeypatch, old)
    assert run("import-configs", str(FIRMWARE_CONFIGS))[0] == 0
    url = os.environ["QUORUM_DATABASE_URL"]
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        items = [Received(t, p, FakeClock().now()) for t, p in a_meeting(COSMOS)]
        apply_batch(session, items, FakeClock())
    engine.dispose()

    code, out, _ = run("keys", "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["meeting_keys"] == 1 and status["other_master_keys"] == {}

    code, out, err = run("keys", "rotate", "--new-key-file", str(new), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["rewrapped"], report["already_new"]) == (1, 0)
    # Still configured: the old key, which now wraps nothing.
    code, _, err = run("keys", "status")
    assert code == 1 and "not configured" in err
    settings = Settings(_env_file=None, database_url=url, master_key_file=old)
    engine = make_engine(url)
    with pytest.raises(StartupError, match="wraps none of this database's meeting keys"):
        prepare(settings, make_session_factory(engine), FakeClock())
    engine.dispose()

    use_key(monkeypatch, new)
    assert run("keys", "status")[0] == 0
    assert any(SECRET in t for t in transcript_texts(url))
    code, out, _ = run("keys", "rotate", "--new-key-file", str(new))
    assert code == 1 and "is the configured one" in _


def test_rotation_refuses_an_unreadable_new_key(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = env / "old.key"
    run("keys", "create", "--out", str(old))
    use_key(monkeypatch, old)
    code, _, err = run("keys", "rotate", "--new-key-file", str(env / "absent.key"))
    assert code == 1 and "does not exist" in err
