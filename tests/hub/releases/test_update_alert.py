"""``update_failed``: a terminal's rolled-back update raises an alert (hub/alerts), read from the
rollout rows the terminal's reports wrote; a newer healthy update, or the window, clears it."""

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from contract.update_data import UpdateReportData
from hub.alerts.config import AlertConfig
from hub.alerts.evaluate import evaluate
from hub.alerts.gather import gather
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Device
from hub.db.release_models import Rollout
from hub.releases.reports import apply_report
from hub.releases.rollouts import RolloutError, RolloutRequest, create_rollout, halt
from hub.releases.round import run_round
from hub.releases.store import add_release
from tests.conftest import FreshDatabase

sys.path.insert(0, str(Path(__file__).resolve().parent))
from releases_builders import make_wheel

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
DEVICE = "term-hq-f1-aurora"


@pytest.fixture
def session(fresh_database: FreshDatabase) -> Iterator[Session]:
    engine = make_engine(fresh_database("sqlite", "org"))
    with make_session_factory(engine)() as session:
        session.execute(update(Device).values(online=True, software_version="0.1.0"))
        yield session
    engine.dispose()


def roll_out(session: Session, tmp_path: Path, version: str, at: datetime) -> int:
    add_release(session, make_wheel(tmp_path, version), tmp_path / "store", now=at, actor="t")
    request = RolloutRequest(version, canary=1, devices=[DEVICE])
    rollout = create_rollout(session, request, now=at, actor="t")
    run_round(session, at, lambda *_: True, "https://hub.example.org")
    return rollout.id


def report(session: Session, rollout: int, version: str, state: str, at: datetime) -> None:
    reason = "service_exited" if state == "rolled_back" else None
    data = UpdateReportData(rollout=rollout, version=version, state=state, reason=reason)
    apply_report(session, DEVICE, data, at, at)


def alerts(session: Session, now: datetime) -> list[tuple[str, str, str]]:
    found = evaluate(gather(session, now, AlertConfig()), now, AlertConfig())
    return [(f.rule, f.subject_id, f.message) for f in found if f.rule == "update_failed"]


def test_a_rolled_back_update_raises_an_alert_until_a_newer_one_is_healthy(
    session: Session, tmp_path: Path
) -> None:
    first = roll_out(session, tmp_path, "0.2.0", T0)
    assert alerts(session, T0) == []
    report(session, first, "0.2.0", "rolled_back", T0 + timedelta(minutes=2))
    found = alerts(session, T0 + timedelta(minutes=3))
    assert [(rule, subject) for rule, subject, _ in found] == [("update_failed", DEVICE)]
    assert "update to 0.2.0 was rolled back (service_exited)" in found[0][2]
    assert alerts(session, T0 + timedelta(hours=25)) == []  # old news after the window

    other = tmp_path / "fixed"
    other.mkdir()
    second = roll_out(session, other, "0.2.1", T0 + timedelta(hours=1))
    report(session, second, "0.2.1", "healthy", T0 + timedelta(hours=1, minutes=2))
    assert alerts(session, T0 + timedelta(hours=2)) == []


def test_an_update_that_timed_out_counts_too(session: Session, tmp_path: Path) -> None:
    rollout = roll_out(session, tmp_path, "0.2.0", T0)
    late = T0 + timedelta(minutes=31)
    run_round(session, late, lambda *_: True, "https://hub.example.org")  # 30 min: timed out
    found = alerts(session, late)
    assert len(found) == 1 and "gave no outcome in time" in found[0][2]
    halted = session.get(Rollout, rollout)
    assert halted is not None and halted.state == "halted"
    with pytest.raises(RolloutError, match="nothing to halt"):
        halt(session, halted, now=late, reason="again")
