"""``python -m hub report``: files written, --json, and exit codes (GUIDE section 10)."""

import csv
import io
import json
import os
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from api_world import FIRMWARE_CONFIGS
from report_world import MON, local
from typer.testing import CliRunner

from hub.cli import app as cli
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import OccupancyChange
from hub.settings import get_settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A database with the example rooms and Aurora's Monday (2 of 10 hours occupied)."""
    database = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):  # the master key tests/conftest.py sets stays
        if name.startswith("QUORUM_") and "MASTER_KEY" not in name:
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUORUM_DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    assert run("import-configs", str(FIRMWARE_CONFIGS))[0] == 0
    engine = make_engine(f"sqlite:///{database}")
    with make_session_factory(engine)() as session:
        for seq, (hh, occupied) in enumerate([(7, False), (10, True), (11, False), (14, True),
                                              (15, False)]):  # fmt: skip
            session.add(
                OccupancyChange(
                    space_kind="room", space_id="hq-f1-aurora", occupied=occupied,
                    ts=local(MON, hh), device_id="term-hq-f1-aurora", boot="b", seq=seq,
                    initial=seq == 0, signals=[],
                )
            )  # fmt: skip
        session.commit()
    engine.dispose()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_csv_and_json_summary(env: Path) -> None:
    out = env / "daily.csv"
    code, stdout, stderr = run(
        "report", "daily", "--date", "2026-01-05", "--format", "csv", "--out", str(out), "--json"
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary == {
        "period": "daily", "first_date": "2026-01-05", "last_date": "2026-01-05",
        "audience": "all", "scope": "all", "format": "csv", "out": str(out),
        "size_bytes": out.stat().st_size, "rooms": 4,
    }  # fmt: skip
    rows = {r["space_id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    aurora = rows["hq-f1-aurora"]
    assert (aurora["known_hours"], aurora["occupied_hours"], aurora["utilization_pct"]) == (
        "10.00", "2.00", "20.0"
    )  # fmt: skip


def test_html_for_a_department_and_an_email(env: Path) -> None:
    page = env / "week.html"
    code, stdout, _ = run("report", "weekly", "--date", "2026-01-07", "--department", "exec",
                          "--out", str(page))  # fmt: skip
    assert code == 0 and "week 2026-W02" in stdout
    html = page.read_text()
    assert "Cosmos boardroom" in html and "East desk area" not in html
    mail = env / "daily.eml"
    code, _, stderr = run("report", "daily", "--date", "2026-01-05", "--format", "eml",
                          "--to", "fm@example.org", "--out", str(mail), "--no-refresh")  # fmt: skip
    assert code == 0, stderr
    message = message_from_bytes(mail.read_bytes(), policy=policy.default)
    assert message["To"] == "fm@example.org"
    assert message.get_content_type() == "multipart/mixed"


BAD_INPUT = [
    (["--date", "2026-02-30"], "--date"),
    (["--scope", "floor:nowhere"], "no floor with id 'nowhere'"),
    (["--scope", "room:x"], "scope must be"),
    (["--department", "nobody"], "no department 'nobody'"),
    (["--format", "eml"], "needs at least one --to"),
]


def test_bad_input_exits_1_and_wrong_usage_2(env: Path) -> None:
    for args, message in BAD_INPUT:
        code, stdout, stderr = run("report", "daily", "--out", str(env / "x"), *args)
        assert (code, stdout) == (1, ""), args
        assert message in stderr
    assert not (env / "x").exists()
    assert run("report", "yearly", "--out", "x")[0] == 2
    assert run("report", "daily")[0] == 2  # no --out
