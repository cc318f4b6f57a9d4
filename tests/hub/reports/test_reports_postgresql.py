"""The same reports on PostgreSQL: equal CSV to SQLite's, and the scheduled runner (with
its advisory locks). Skipped without a server (tests/conftest.py; CI has one)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from api_world import Hub, running_hub
from report_world import MON, fill_week

from hub.reports.build import build_report
from hub.reports.runner import ReportsRunner
from hub.reports.scope import Audience

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_week_hub(tmp_path: Path, fresh_database: Any) -> Iterator[Hub]:
    url = fresh_database("postgresql", "schema")
    with running_hub(tmp_path, database_url=url) as hub:
        assert hub.state.engine.dialect.name == "postgresql"
        fill_week(hub)
        yield hub


def daily_csv(hub: Hub, audience: str) -> bytes:
    with hub.session() as session:
        built = build_report(
            session, period="daily", day=MON, audience=Audience(audience), now=hub.clock.now()
        )
        return built.csv()


def test_reports_on_postgresql_equal_sqlite_and_are_scheduled(
    pg_week_hub: Hub, week_hub: Hub
) -> None:
    for audience in ("all", "department:engineering"):
        assert daily_csv(pg_week_hub, audience) == daily_csv(week_hub, audience)
    runner = ReportsRunner(
        session_factory=pg_week_hub.state.session_factory,
        clock=pg_week_hub.clock,
        tick_s=60,
        settle=timedelta(hours=1),
        keep=timedelta(days=400),
    )
    assert len(runner.tick()) == 6
    assert runner.tick() == []
    assert len(pg_week_hub.ok("/reports")) == 6
