"""``python -m hub sandbox``: the same replay from a YAML plan, for people and with --json;
exit 1 with every problem for a plan or period that cannot be used, 2 for wrong usage."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import FIRMWARE_CONFIGS
from sandbox_world import COSMOS, add_december
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.db.engine import make_engine, make_session_factory
from hub.settings import get_settings

PLAN = """\
# Split the boardroom into two 6-seat rooms, and take floor 2's desks away.
changes:
  - split: hq-f2-cosmos
    into:
      - {id: hq-f2-cosmos-a, capacity: 6}
      - {id: hq-f2-cosmos-b, capacity: 6}
  - remove_desks: {floor: hq-main-f2}
"""
DECEMBER = ["--from", "2025-12-01", "--to", "2026-01-01"]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A hub database with the organisation and December's history (sandbox_world.py)."""
    folder = tmp_path_factory.mktemp("sandbox-cli")
    url = f"sqlite:///{folder / 'hub.db'}"
    with pytest.MonkeyPatch.context() as patch:
        _env(patch, folder, url)
        assert _run("import-configs", str(FIRMWARE_CONFIGS))[0] == 0
        engine = make_engine(url)
        with make_session_factory(engine)() as session:
            add_december(session)
            session.commit()
        engine.dispose()
    yield folder


@pytest.fixture
def env(database: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    _env(monkeypatch, database, f"sqlite:///{database / 'hub.db'}")
    yield database
    get_settings.cache_clear()


def _env(patch: pytest.MonkeyPatch, folder: Path, url: str) -> None:
    patch.chdir(folder)  # no stray .env
    for name in list(os.environ):  # the master key tests/conftest.py sets stays
        if name.startswith("QUORUM_") and "MASTER_KEY" not in name:
            patch.delenv(name)
    patch.setenv("QUORUM_DATABASE_URL", url)
    patch.setenv("QUORUM_INGEST_ENABLED", "false")
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, text: str, name: str = "plan.yaml") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def test_json_is_one_document_with_both_plans(env: Path) -> None:
    code, out, _ = _run("sandbox", "--plan", write(env, PLAN), *DECEMBER, "--json")
    assert code == 0
    body = json.loads(out)
    assert (body["first"], body["last"], body["replayed"]) == ("2025-12-01", "2026-01-01", 9)
    changed = body["changed"]["totals"]
    assert [changed[k] for k in ("fit", "moved", "waited", "unserved")] == [3, 4, 1, 1]
    assert body["baseline"]["totals"]["fit"] == 9
    assert body["changes"][1] == {"remove_desks": {"floor": "hq-main-f2"}}


def test_for_people_a_table(env: Path) -> None:
    code, out, _ = _run("sandbox", "--plan", write(env, PLAN), *DECEMBER, "--max-wait", "0")
    assert code == 0
    # Without a wait the 1 December meeting is unserved too.
    assert "unserved                       0         2" in out
    assert f"{COSMOS} (split, gone): 7 booked, 1 fit, 4 moved (4 to hq-f1-aurora)" in out
    assert "hq-main-f2: 6 -> 0 desks, at most 2 in use at once; 1 of 1 days over" in out


BAD_SPLIT = """\
changes:
  - split: hq-f2-cosmos
    into: [{id: a, capacity: 0}, {id: b, capacity: 6}]
"""


@pytest.mark.parametrize(
    ("plan", "args", "message"),
    [
        (
            "changes:\n  - remove_room: hq-f2-cosmso\n",
            [],
            "changes[0].remove_room: no room 'hq-f2-cosmso' (did you mean 'hq-f2-cosmos'?)",
        ),
        (
            BAD_SPLIT,
            [],
            "changes[0].into[0].capacity: input should be greater than or equal to 1 (got 0)",
        ),
        ("changes: [\n", [], "plan.yaml:2: not valid YAML"),
        (PLAN, ["--from", "2025-12-40"], "--from '2025-12-40' is not a date"),
        (PLAN, ["--from", "2026-01-01", "--to", "2025-12-01"], "must be after its start"),
        (PLAN, ["--max-wait", "-5"], "max_wait_min=-5 is out of range"),
    ],
)
def test_bad_plans_and_periods_exit_1_with_the_problem(
    env: Path, plan: str, args: list[str], message: str
) -> None:
    code, out, err = _run("sandbox", "--plan", write(env, plan), *args, "--json")
    assert (code, out) == (1, "")
    assert message in err


def test_a_missing_plan_file_exits_1(env: Path) -> None:
    code, _, err = _run("sandbox", "--plan", str(env / "nope.yaml"))
    assert code == 1 and "cannot read the plan" in err


def test_wrong_usage_exits_2(env: Path) -> None:
    assert _run("sandbox")[0] == 2
    assert _run("sandbox", "--plan", write(env, PLAN), "--max-wait", "soon")[0] == 2
