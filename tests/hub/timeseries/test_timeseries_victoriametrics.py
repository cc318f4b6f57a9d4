"""Against a real VictoriaMetrics (the InfluxDB v2 write API): points arrive with their
tags, fields and times; and the issue's check: with the server stopped for longer than the
retry limit and the hub restarted meanwhile, every point is there after recovery, once."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from timeseries_helpers import (
    DESK,
    ROOM,
    ROOM_DEVICE,
    T0,
    add_occupancy,
    add_occurrence,
    add_status,
)

from common.clock import FakeClock, SystemClock
from devtools.victoriametrics import RunningVictoriaMetrics
from hub.app import create_app
from hub.settings import Settings
from hub.timeseries.service import build_exporter
from hub.timeseries.writer import WriteFailed

TOKEN = "admin-test-token-timeseries-0001"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def settings_for(db_url: str, vm_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "ingest_enabled": False,
        "bootstrap_token": TOKEN,
        "timeseries_url": vm_url,
        "timeseries_org": "test-org",
        "timeseries_bucket": "test-bucket",
        # A small retry limit, so "down for longer than it" takes a second, not minutes.
        "timeseries_retry_limit_s": 0.3,
        "timeseries_max_retries": 2,
        "timeseries_timeout_s": 2.0,
        "timeseries_flush_interval_s": 0.05,
        "timeseries_batch_size": 7,
    }
    if "checkin_enabled" in Settings.model_fields:  # no bookings loop in these tests
        values["checkin_enabled"] = False
    values.update(overrides)
    return Settings(_env_file=None, **values)


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def samples(vm: RunningVictoriaMetrics, name: str) -> list[tuple[str, int, float]]:
    """(space_id or device_id, ms, value) of every raw sample of one metric, duplicates kept."""
    out: list[tuple[str, int, float]] = []
    for series in vm.export(name):
        key = series.metric.get("space_id") or series.metric.get("device_id") or ""
        out.extend(
            (key, ts, value) for ts, value in zip(series.timestamps, series.values, strict=True)
        )
    return sorted(out)


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def test_points_arrive_with_tags_fields_and_event_times(
    vm: RunningVictoriaMetrics, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    add_occupancy(
        session_factory,
        [("room", ROOM, True, T0), ("desk", DESK, False, T0 + timedelta(seconds=1))],
    )
    add_status(session_factory, ROOM_DEVICE, True, T0 - timedelta(minutes=5))
    for i, people in enumerate([5, 3, 4, 6, 2]):  # five measured meetings: a day's figures
        add_occurrence(session_factory, ROOM, T0 + timedelta(hours=i), 45, peak_people=people)
    clock = FakeClock(datetime(2026, 1, 7, 12, 0, tzinfo=UTC))
    exporter, writer = build_exporter(settings_for(db_url, vm.url), session_factory, clock)
    try:
        result = exporter.catch_up()
    finally:
        writer.close()
    assert result.error is None and result.caught_up

    (room,) = [s for s in vm.export("occupancy_occupied") if s.metric["space_kind"] == "room"]
    assert room.metric == {
        "__name__": "occupancy_occupied",
        "space_kind": "room",
        "space_id": ROOM,
        "room_id": ROOM,
        "floor_id": "hq-main-f1",
        "building_id": "hq-main",
        "site_id": "hq",
    }
    assert (room.timestamps, room.values) == ([ms(T0)], [1])
    assert samples(vm, "occupancy_occupied") == [(ROOM, ms(T0), 1), (DESK, ms(T0) + 1000, 0)]
    assert samples(vm, "device_status_online") == [(ROOM_DEVICE, ms(T0) - 300_000, 1)]
    monday = ms(datetime(2026, 1, 4, 23, 0, tzinfo=UTC))  # local midnight in Berlin
    assert samples(vm, "people_daily_meetings") == [(ROOM, monday, 5)]
    assert samples(vm, "people_daily_median") == [(ROOM, monday, 4)]
    # A point per room and local day, at the local midnight starting it: Monday 5 January
    # in Berlin starts at 23:00 UTC on the 4th.
    (util,) = [
        s
        for s in vm.export("utilization_daily_occupied_hours_total")
        if s.metric["room_id"] == ROOM
    ]
    assert monday in util.timestamps
    assert util.metric["floor_id"] == "hq-main-f1"
    assert vm.export("utilization_daily_utilization")  # rooms with data have a ratio


def test_a_refused_write_says_what_to_check(
    vm: RunningVictoriaMetrics, db_url: str, session_factory: sessionmaker[Session]
) -> None:
    vm.stop()
    add_occupancy(session_factory, [("room", ROOM, True, T0)])
    exporter, writer = build_exporter(settings_for(db_url, vm.url), session_factory, SystemClock())
    try:
        result = exporter.run_pass()
    finally:
        writer.close()
    assert result.error is not None
    assert vm.url in result.error and "unreachable" in result.error
    assert "attempt" in result.error
    assert issubclass(WriteFailed, RuntimeError)


def test_server_down_longer_than_the_retry_limit_and_hub_restarted_loses_nothing(
    vm: RunningVictoriaMetrics, db_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = settings_for(db_url, vm.url)
    sent: list[tuple[str, int, float]] = []

    def occupancy(first: int, count: int) -> None:
        rows = [
            ("room", ROOM, i % 2 == 0, T0 + timedelta(minutes=i))
            for i in range(first, first + count)
        ]
        add_occupancy(session_factory, rows)
        sent.extend((ROOM, ms(ts), float(occupied)) for _, _, occupied, ts in rows)

    def status(client: TestClient) -> dict[str, Any]:
        response = client.get("/api/v1/timeseries/status", headers=AUTH)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def failed_twice(client: TestClient) -> Callable[[], bool]:
        # Two passes given up, each after the whole retry limit: down for longer than it.
        return lambda: status(client)["consecutive_failures"] >= 2

    occupancy(0, 10)
    with TestClient(create_app(settings)) as hub:
        wait_for("the first points", lambda: samples(vm, "occupancy_occupied") == sorted(sent))
        assert status(hub)["enabled"] and status(hub)["exporting"]

        vm.stop()
        occupancy(10, 10)
        wait_for("writes given up", failed_twice(hub))
        down = status(hub)
        assert "unreachable" in down["last_error"]
        occupancy_source = next(s for s in down["sources"] if s["name"] == "occupancy_changes")
        assert occupancy_source["behind_rows"] == 10
        occupancy(20, 5)

    # The hub restarts while the server is still down: only the SQL store remembers.
    with TestClient(create_app(settings)) as hub:
        occupancy(25, 6)
        wait_for("writes given up after the restart", failed_twice(hub))
        assert status(hub)["points_written"] == 0

        vm.start()
        wait_for("the backfill", lambda: len(samples(vm, "occupancy_occupied")) >= len(sent))
        wait_for("a successful pass", lambda: status(hub)["consecutive_failures"] == 0)
        occupancy(31, 3)  # and live export goes on
        wait_for("the new points", lambda: len(samples(vm, "occupancy_occupied")) >= len(sent))
        after = status(hub)

    # Every point, exactly once (deduplication is off in this VictoriaMetrics).
    assert samples(vm, "occupancy_occupied") == sorted(sent)
    assert len(sent) == 34
    occupancy_source = next(s for s in after["sources"] if s["name"] == "occupancy_changes")
    assert occupancy_source["behind_rows"] == 0 and occupancy_source["cursor"] == 34
    assert after["last_error"] is not None  # the outage is still on record
