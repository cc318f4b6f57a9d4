"""``python -m hub timeseries backfill``: one JSON document with --json, exit 1 when the
server does not accept the points, --since writes a range again with cursors of its own."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from timeseries_helpers import ROOM, T0, add_occupancy

from devtools.victoriametrics import RunningVictoriaMetrics
from hub.timeseries.cli import parse_since
from hub.timeseries.cursors import SqlCursors

ROOT = Path(__file__).resolve().parents[3]


def hub(db_url: str, vm_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QUORUM_DATABASE_URL": db_url,
        "QUORUM_TIMESERIES_URL": vm_url,
        "QUORUM_TIMESERIES_RETRY_LIMIT_S": "0.2",
        "QUORUM_TIMESERIES_MAX_RETRIES": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "hub", "timeseries", "backfill", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backfill_json_then_since(
    vm: RunningVictoriaMetrics, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    add_occupancy(
        session_factory, [("room", ROOM, i % 2 == 0, T0 + timedelta(hours=i)) for i in range(4)]
    )
    done = hub(db_url, vm.url, "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # exactly one JSON document
    assert document["points_by_source"]["occupancy_changes"] == 4
    assert document["cursors"]["occupancy_changes"] == 4
    assert document["error"] is None and document["caught_up"] is True
    assert len(vm.export("occupancy_occupied")[0].values) == 4

    again = hub(db_url, vm.url, "--json", "--since", (T0 + timedelta(hours=2)).isoformat())
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["points_by_source"]["occupancy_changes"] == 2
    with session_factory() as session:
        assert SqlCursors().get(session, "occupancy_changes") == 4


def test_backfill_fails_with_exit_1_when_the_server_is_down(
    vm: RunningVictoriaMetrics, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    vm.stop()
    add_occupancy(session_factory, [("room", ROOM, True, T0)])
    done = hub(db_url, vm.url, "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]
    assert "unreachable" in done.stderr and vm.url in done.stderr
    with session_factory() as session:
        assert SqlCursors().get(session, "occupancy_changes") == 0


def test_since_must_be_a_date_or_a_time_with_an_offset() -> None:
    assert parse_since("2026-01-05") == T0 - timedelta(hours=8)
    with pytest.raises(ValueError, match="offset"):
        parse_since("2026-01-05T08:00:00")
    with pytest.raises(ValueError, match="not a date"):
        parse_since("yesterday")
