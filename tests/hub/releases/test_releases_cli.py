"""``python -m hub releases ...`` as an operator runs it: one JSON document with ``--json``,
exit 1 with a message on stderr for what it refuses (GUIDE section 10), an audit entry for
each change."""

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from contract import CONTRACT_VERSION
from hub.cli import app as cli
from hub.db.audit_models import AuditEntry
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Device
from hub.db.release_models import Release, Rollout
from hub.settings import get_settings
from tests.conftest import FreshDatabase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from releases_builders import make_wheel


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_database: FreshDatabase
) -> Iterator[str]:
    url = fresh_database("sqlite", "org")
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):
        if name.startswith("QUORUM_") and name != "QUORUM_MASTER_KEY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUORUM_DATABASE_URL", url)
    monkeypatch.setenv("QUORUM_RELEASES_DIR", str(tmp_path / "releases"))
    get_settings.cache_clear()
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        session.execute(update(Device).values(online=True, software_version="0.1.0"))
    engine.dispose()
    yield url
    get_settings.cache_clear()


def test_add_roll_out_watch_and_halt(database: str, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    code, out, err = run("releases", "add", str(wheel), "--notes", "faster fusion", "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["added"] is True
    assert added["release"]["version"] == "0.2.0"
    assert (tmp_path / "releases" / "0.2.0" / wheel.name).is_file()

    code, out, err = run("releases", "rollout", "0.2.0", "--canary", "2", "--json")
    assert code == 0, err
    rollout = json.loads(out)
    assert (rollout["state"], rollout["counts"]) == ("canary", {"pending": 4})
    assert sum(d["canary"] for d in rollout["devices"]) == 2

    code, out, err = run("releases", "status", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["rollout"]["id"] == rollout["id"]
    assert {t["software_version"] for t in status["terminals"]} == {"0.1.0"}

    code, out, err = run("releases", "list", "--json")
    assert code == 0, err
    assert json.loads(out)["versions_running"] == {"0.1.0": 4}

    code, out, err = run("releases", "halt", "0.2.0", "--reason", "wrong build", "--json")
    assert code == 0, err
    assert (json.loads(out)["state"], json.loads(out)["halted_reason"]) == ("halted", "wrong build")

    code, out, err = run("releases", "promote", "0.2.0", "--json")
    assert code == 0, err
    assert json.loads(out)["state"] == "rolling"

    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    engine.dispose()
    assert actions == ["release.add", "rollout.start", "rollout.halt", "rollout.promote"]


def test_what_it_refuses(database: str, tmp_path: Path) -> None:
    code, out, err = run("releases", "add", str(tmp_path / "missing.whl"))
    assert (code, out) == (1, "") and "no such file" in err
    code, out, err = run("releases", "add", str(make_wheel(tmp_path, name="requests")), "--json")
    assert (code, out) == (1, "") and "not of quorum-rooms" in err
    code, out, err = run("releases", "rollout", "0.9.0", "--json")
    assert (code, out) == (1, "") and "no release 0.9.0" in err
    code, _, err = run("releases", "promote", "0.9.0")
    assert code == 1 and "no rollout of 0.9.0" in err
    code, _, err = run("releases", "rollout", "0.9.0", "--health-timeout", "soon")
    assert code == 1 and "not a duration" in err
    code, _, _ = run("releases", "rollout")
    assert code == 2  # wrong usage


def test_a_release_of_another_contract_version_is_not_rolled_out(
    database: str, tmp_path: Path
) -> None:
    # Stored by a hub of another version (the hub was rolled back, or the row was made by a
    # newer one): this hub would refuse what its terminals send.
    code, _, err = run("releases", "add", str(make_wheel(tmp_path)))
    assert code == 0, err
    engine = make_engine(database)
    with make_session_factory(engine)() as session, session.begin():
        session.execute(update(Release).values(contract_version=CONTRACT_VERSION + 1))
    code, out, err = run("releases", "rollout", "0.2.0", "--json")
    assert (code, out) == (1, "")
    assert (
        f"release 0.2.0 speaks contract v{CONTRACT_VERSION + 1}, this hub v{CONTRACT_VERSION}"
        in err
    )
    assert "upgrade the hub first" in err
    with make_session_factory(engine)() as session:
        assert session.scalars(select(Rollout)).all() == []
        actions = list(session.scalars(select(AuditEntry.action)))
    engine.dispose()
    assert actions == ["release.add"]
