"""Several hub workers on one PostgreSQL database: only the one holding the export lock
writes, and another takes over when it stops; every point once. And ids that become
visible out of order (concurrent ingest transactions) are not skipped."""

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from timeseries_helpers import ROOM, T0, RecordingWriter, add_occupancy

from common.clock import FakeClock, SystemClock
from devtools.victoriametrics import RunningVictoriaMetrics
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import OccupancyChange
from hub.settings import Settings
from hub.timeseries.cursors import SqlCursors
from hub.timeseries.exporter import Exporter
from hub.timeseries.service import TimeSeriesService, build_service
from hub.timeseries.sources import OccupancySource

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_factory(fresh_database: Any) -> Iterator[tuple[str, sessionmaker[Session]]]:
    url: str = fresh_database("postgresql", "org")
    engine = make_engine(url)
    yield url, make_session_factory(engine)
    engine.dispose()


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_one_worker_exports_and_another_takes_over(
    vm: RunningVictoriaMetrics, pg_factory: tuple[str, sessionmaker[Session]]
) -> None:
    url, factory = pg_factory
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        timeseries_url=vm.url,
        timeseries_flush_interval_s=0.05,
        timeseries_retry_limit_s=0.3,
    )
    workers: list[TimeSeriesService] = []
    for _ in range(2):
        service = build_service(settings, factory, SystemClock())
        assert service is not None
        workers.append(service)
    expected: list[int] = []

    def add(first: int, count: int) -> None:
        rows = [
            ("room", ROOM, True, T0 + timedelta(minutes=i)) for i in range(first, first + count)
        ]
        add_occupancy(factory, rows)
        expected.extend(
            int((T0 + timedelta(minutes=i)).timestamp() * 1000) for i in range(first, first + count)
        )

    def exported() -> list[int]:
        return sorted(ts for s in vm.export("occupancy_occupied") for ts in s.timestamps)

    try:
        for worker in workers:
            worker.start()
        add(0, 20)
        wait_for("the points", lambda: len(exported()) >= len(expected))
        for worker in workers:
            assert worker.wait_rounds(2, timeout=30)
        leaders = [w for w in workers if w.state().leader]
        assert len(leaders) == 1
        (standby,) = [w for w in workers if w is not leaders[0]]
        assert standby.state().stats.points_written == 0

        leaders[0].stop()
        add(20, 5)
        wait_for("the other worker to take over", lambda: standby.state().leader)
        wait_for("the new points", lambda: len(exported()) >= len(expected))
        assert exported() == sorted(expected)  # each point once
    finally:
        for worker in workers:
            worker.stop()


def test_a_row_committed_late_on_postgresql_is_not_skipped(
    pg_factory: tuple[str, sessionmaker[Session]],
) -> None:
    """Two ingest transactions: the one with the lower id commits last."""
    _, factory = pg_factory
    slow = factory()
    slow.add(
        OccupancyChange(
            space_kind="room",
            space_id=ROOM,
            occupied=True,
            ts=T0,
            device_id="term-hq-f1-aurora",
            boot="b",
            seq=1,
            signals=[],
        )
    )
    slow.flush()  # its id is taken, not yet visible to others
    add_occupancy(factory, [("room", ROOM, False, T0 + timedelta(minutes=1))])
    clock = FakeClock(T0 + timedelta(hours=1))
    writer = RecordingWriter()
    exporter = Exporter(
        factory,
        writer,
        sources=[OccupancySource(gap_grace_s=30)],
        cursors=SqlCursors(),
        clock=clock,
    )
    try:
        exporter.run_pass()
        assert [p.ts for p in writer.points] == [T0 + timedelta(minutes=1)]
        with factory() as session:
            assert SqlCursors().get(session, "occupancy_changes") == 0
        slow.commit()
    finally:
        slow.close()
    exporter.run_pass()
    assert [p.ts for p in writer.points] == [T0 + timedelta(minutes=1), T0]
    with factory() as session:
        assert SqlCursors().get(session, "occupancy_changes") == 2
