"""The retention job as the hub runs it (a loop that runs once per interval at the hub's
clock), as operators run it (``python -m hub retention run``), and the analytics rollups of
days whose raw occupancy rows it deleted, which a rebuild keeps as they were."""

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_world import FIRMWARE_CONFIGS, running_hub
from retention_world import DEVICE, NOW, ROOM, occupancy_change
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from common.clock import FakeClock
from hub.analytics.rollups import refresh_rollups
from hub.cli import app as cli
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import DeviceStatusChange, analytics_meetings, analytics_space_days
from hub.db.voice_models import VoiceCommand
from hub.retention.run import periods_from
from hub.retention.runner import RetentionRunner
from hub.settings import Settings, get_settings


@pytest.fixture
def factory(fresh_database: Any) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(fresh_database("sqlite", "org"))
    yield make_session_factory(engine)
    engine.dispose()


def add_voice(factory: sessionmaker[Session], *said: datetime) -> None:
    with factory() as session:
        for when in said:
            session.add(
                VoiceCommand(
                    device_id=DEVICE, room_id=ROOM, utterance=f"u{when.timestamp()}",
                    intent="book_room", slots={}, confidence=0.9, text="book this room",
                    trigger="wake", said_at=when, received_at=when, outcome="done", detail={},
                )
            )  # fmt: skip
        session.commit()


def voice_times(factory: sessionmaker[Session]) -> list[datetime]:
    with factory() as session:
        return list(session.scalars(select(VoiceCommand.said_at).order_by(VoiceCommand.said_at)))


def test_the_loop_runs_once_per_interval_at_the_hubs_clock(factory: sessionmaker[Session]) -> None:
    periods = periods_from(Settings(_env_file=None))  # voice commands: 30 days
    month = timedelta(days=30)
    add_voice(factory, NOW - month - timedelta(hours=1), NOW - month + timedelta(hours=12))
    clock = FakeClock(NOW)
    runner = RetentionRunner(
        session_factory=factory, clock=clock, periods=periods, interval=timedelta(hours=24)
    )

    first = runner.tick()
    assert first is not None and first.counts()["voice_commands"] == 1
    assert voice_times(factory) == [NOW - month + timedelta(hours=12)]
    # Another worker that found the job due too sees the run under the lock and skips it.
    other = RetentionRunner(
        session_factory=factory, clock=clock, periods=periods, interval=timedelta(hours=24)
    )
    assert other.tick() is None
    clock.advance(6 * 3600)  # the second command has expired, but the day is not over
    assert runner.tick() is None
    assert len(voice_times(factory)) == 1
    clock.advance(18 * 3600)
    second = runner.tick()
    assert second is not None and second.counts()["voice_commands"] == 1
    assert voice_times(factory) == []


def test_the_hub_starts_the_loop_unless_turned_off(tmp_path: Path) -> None:
    with running_hub(tmp_path / "on") as hub:
        assert isinstance(hub.state.retention, RetentionRunner)
    with running_hub(tmp_path / "off", retention_enabled=False) as hub:
        assert hub.state.retention is None


def _space_days(factory: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with factory() as session:
        s = analytics_space_days.c
        query = select(analytics_space_days).order_by(s.space_kind, s.space_id, s.day)
        return [tuple(r) for r in session.execute(query)]


def test_a_rollup_rebuild_keeps_the_days_whose_raw_rows_expired(
    factory: sessionmaker[Session],
) -> None:
    # A hundred days of Aurora, occupied 10:00-11:00 UTC each day, the terminal online.
    start = NOW - timedelta(days=100)
    with factory() as session:
        session.add(DeviceStatusChange(device_id=DEVICE, online=True, at=start, reason="test"))
        for day in range(100):
            at = (start + timedelta(days=day)).replace(hour=10, minute=0)
            session.add(occupancy_change(ROOM, True, at, 2 * day))
            session.add(occupancy_change(ROOM, False, at + timedelta(hours=1), 2 * day + 1))
        session.commit()
    with factory() as session:
        refresh_rollups(session, NOW)
        session.commit()
    before = _space_days(factory)
    assert len(before) > 90  # working days of a hundred

    runner = RetentionRunner(
        session_factory=factory,
        clock=FakeClock(NOW),
        periods=periods_from(Settings(_env_file=None)),  # occupancy: 90 days
        interval=timedelta(hours=24),
    )
    report = runner.tick()
    # Eleven days of changes are older than 90 days (the last at 11:00 on the cutoff day):
    # all 22 but the newest go; the only status change is the newest and stays.
    assert report is not None and report.counts()["occupancy"] == 21
    with factory() as session:
        refresh_rollups(session, NOW, full=True)
        session.commit()
    assert _space_days(factory) == before
    with factory() as session:
        assert session.execute(select(analytics_meetings)).all() == []


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """The CLI's settings from the environment: a database of this test's own."""
    database = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):
        if name.startswith("QUORUM_") and "MASTER_KEY" not in name:
            monkeypatch.delenv(name)
    monkeypatch.setenv("QUORUM_DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    assert run("import-configs", str(FIRMWARE_CONFIGS))[0] == 0
    engine = make_engine(f"sqlite:///{database}")
    yield make_session_factory(engine)
    engine.dispose()
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_dry_run_then_run_with_json_and_a_table(cli_env: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)  # the CLI runs at the system clock's now
    add_voice(cli_env, now - timedelta(days=40), now - timedelta(days=10))

    code, stdout, stderr = run("retention", "run", "--dry-run", "--json")
    assert code == 0, stderr
    document = json.loads(stdout)
    assert document["dry_run"] is True and document["total_expired"] == 1
    assert document["classes"]["voice_commands"]["expired"] == 1
    assert document["classes"]["voice_commands"]["keep_days"] == 30
    assert len(voice_times(cli_env)) == 2  # nothing deleted

    code, stdout, stderr = run("retention", "run")
    assert code == 0, stderr
    assert "deleted 1 expired rows" in stdout
    assert "voice_commands" in stdout
    (left,) = voice_times(cli_env)
    assert left > now - timedelta(days=30)


def test_cli_wrong_usage_is_exit_2(cli_env: sessionmaker[Session]) -> None:
    assert run("retention", "run", "--no-such-option")[0] == 2
