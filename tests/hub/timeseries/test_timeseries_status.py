"""The export's state: off when not configured; failures logged without flooding."""

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from timeseries_helpers import ROOM, T0, RecordingWriter, add_occupancy

from common.clock import FakeClock
from hub.app import create_app
from hub.settings import Settings
from hub.timeseries.cursors import SqlCursors
from hub.timeseries.exporter import Exporter
from hub.timeseries.sources import OccupancySource

TOKEN = "admin-test-token-timeseries-0002"


def test_status_says_disabled_without_a_url(db_url: str) -> None:
    extra = {"checkin_enabled": False} if "checkin_enabled" in Settings.model_fields else {}
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        ingest_enabled=False,
        bootstrap_token=TOKEN,
        **extra,
    )
    with TestClient(create_app(settings)) as client:
        response = client.get(
            "/api/v1/timeseries/status", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert response.status_code == 200
    body = response.json()
    assert body["enabled"] is False and body["sources"] == []


def test_an_unreachable_server_is_logged_once_a_minute_and_recovery_once(
    session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    add_occupancy(session_factory, [("room", ROOM, True, T0)])
    clock = FakeClock(T0 + timedelta(hours=1))
    writer = RecordingWriter()
    writer.down = True
    exporter = Exporter(
        session_factory,
        writer,
        sources=[OccupancySource()],
        cursors=SqlCursors(),
        clock=clock,
        server="the test server",
    )
    with caplog.at_level(logging.INFO, logger="hub.timeseries.exporter"):
        for _ in range(5):
            exporter.run_pass()
            clock.advance(5)
        clock.advance(60)
        exporter.run_pass()
        writer.down = False
        exporter.run_pass()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "stay in the SQL store" in warnings[0]
    assert "4 more like it" in warnings[1]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert infos == [
        "the test server accepts points again after 6 failed attempt(s); backfilled 1 points"
    ]
    assert exporter.stats.consecutive_failures == 0 and len(writer.points) == 1
