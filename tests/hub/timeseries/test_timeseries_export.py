"""Points built from the SQL store, and how cursors move, with a recording writer and a
fake clock (no server, no sleeps)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from timeseries_helpers import (
    DESK,
    OTHER_ROOM,
    ROOM,
    ROOM_DEVICE,
    T0,
    RecordingWriter,
    add_occupancy,
    add_occurrence,
    add_status,
)

from common.clock import FakeClock
from hub.timeseries.cursors import MemoryCursors, SqlCursors
from hub.timeseries.exporter import Exporter
from hub.timeseries.org import OrgIndex
from hub.timeseries.people import PeopleDailySource
from hub.timeseries.points import DEVICE_STATUS, OCCUPANCY, PEOPLE_DAILY, UTILIZATION, TsPoint
from hub.timeseries.sources import (
    DailyUtilizationSource,
    DeviceStatusSource,
    OccupancySource,
    ReadContext,
    default_sources,
)

ROOM_PLACE = {
    "room_id": ROOM,
    "floor_id": "hq-main-f1",
    "building_id": "hq-main",
    "site_id": "hq",
}


def exporter(
    factory: sessionmaker[Session],
    writer: RecordingWriter,
    clock: FakeClock,
    sources: list | None = None,
    cursors: object | None = None,
    batch_size: int = 100,
) -> Exporter:
    return Exporter(
        factory,
        writer,
        sources=sources if sources is not None else default_sources(),
        cursors=cursors if cursors is not None else SqlCursors(),  # type: ignore[arg-type]
        clock=clock,
        batch_size=batch_size,
        settle=timedelta(hours=1),
    )


def test_occupancy_points_carry_place_tags_event_time_and_0_or_1(
    session_factory: sessionmaker[Session],
) -> None:
    add_occupancy(
        session_factory,
        [
            ("room", ROOM, True, T0),
            ("room", ROOM, False, T0 + timedelta(minutes=30, microseconds=1500)),
            ("desk", DESK, True, T0 + timedelta(minutes=1)),
        ],
    )
    writer = RecordingWriter()
    result = exporter(session_factory, writer, FakeClock(T0 + timedelta(hours=2))).run_pass()

    assert result.error is None and result.caught_up
    points = writer.of(OCCUPANCY)
    assert [(p.tags["space_id"], p.fields, p.ts) for p in points] == [
        (ROOM, {"occupied": 1}, T0),
        (ROOM, {"occupied": 0}, T0 + timedelta(minutes=30, microseconds=1500)),
        (DESK, {"occupied": 1}, T0 + timedelta(minutes=1)),
    ]
    assert points[0].tags == {"space_kind": "room", "space_id": ROOM, **ROOM_PLACE}
    assert points[2].tags == {
        "space_kind": "desk",
        "space_id": DESK,
        "room_id": "hq-f2-east",
        "floor_id": "hq-main-f2",
        "building_id": "hq-main",
        "site_id": "hq",
    }
    # Milliseconds, as VictoriaMetrics and the writer keep them.
    assert points[1].ts_ms == int(T0.timestamp() * 1000) + 30 * 60_000 + 1


def test_device_status_points(session_factory: sessionmaker[Session]) -> None:
    add_status(session_factory, ROOM_DEVICE, True, T0)
    add_status(session_factory, ROOM_DEVICE, False, T0 + timedelta(hours=1))
    writer = RecordingWriter()
    exporter(session_factory, writer, FakeClock(T0 + timedelta(hours=2))).run_pass()
    points = writer.of(DEVICE_STATUS)
    assert [(p.fields, p.ts) for p in points] == [
        ({"online": 1}, T0),
        ({"online": 0}, T0 + timedelta(hours=1)),
    ]
    assert points[0].tags == {"device_id": ROOM_DEVICE, **ROOM_PLACE}


def test_cursor_moves_only_after_the_server_accepted_and_a_new_exporter_backfills(
    session_factory: sessionmaker[Session],
) -> None:
    clock = FakeClock(T0 + timedelta(hours=2))
    add_occupancy(session_factory, [("room", ROOM, True, T0)])
    writer = RecordingWriter()
    first = exporter(session_factory, writer, clock, [OccupancySource()])
    first.run_pass()
    assert len(writer.points) == 1

    writer.down = True
    add_occupancy(
        session_factory,
        [("room", ROOM, i % 2 == 0, T0 + timedelta(minutes=i)) for i in range(1, 6)],
    )
    failed = first.run_pass()
    assert failed.error is not None and "server down" in failed.error
    assert first.stats.consecutive_failures == 1 and first.stats.last_error
    with session_factory() as session:
        assert SqlCursors().get(session, "occupancy_changes") == 1

    # "The hub restarted": a new exporter, nothing in memory but the durable cursor.
    writer.down = False
    second = exporter(session_factory, writer, clock, [OccupancySource()])
    result = second.run_pass()
    assert result.error is None and result.by_source == {"occupancy_changes": 5}
    assert [p.ts for p in writer.points] == [T0 + timedelta(minutes=i) for i in range(6)]
    with session_factory() as session:
        assert SqlCursors().get(session, "occupancy_changes") == 6
    assert second.run_pass().points == 0


def test_batches_are_written_in_order_until_caught_up(
    session_factory: sessionmaker[Session],
) -> None:
    add_occupancy(
        session_factory,
        [("room", ROOM, i % 2 == 0, T0 + timedelta(seconds=i)) for i in range(25)],
    )
    writer = RecordingWriter()
    ex = exporter(
        session_factory,
        writer,
        FakeClock(T0 + timedelta(hours=2)),
        [OccupancySource()],
        batch_size=10,
    )
    result = ex.run_pass()
    assert result.points == 25 and result.caught_up
    assert writer.requests == 3
    assert [p.ts for p in writer.points] == [T0 + timedelta(seconds=i) for i in range(25)]


def test_a_hole_in_ids_holds_the_cursor_until_its_grace_period_ends(
    session_factory: sessionmaker[Session],
) -> None:
    """PostgreSQL commits can make id 3 visible before id 2: the cursor waits for it."""
    add_occupancy(
        session_factory, [("room", ROOM, True, T0 + timedelta(minutes=i)) for i in range(3)]
    )
    with session_factory() as session, session.begin():
        session.execute(text("DELETE FROM occupancy_changes WHERE id = 2"))  # "not committed yet"
    clock = FakeClock(T0 + timedelta(hours=2))
    writer = RecordingWriter()
    source = OccupancySource(gap_grace_s=30)
    ex = exporter(session_factory, writer, clock, [source])

    ex.run_pass()
    assert [p.ts for p in writer.points] == [T0, T0 + timedelta(minutes=2)]
    with session_factory() as session:
        assert SqlCursors().get(session, "occupancy_changes") == 1

    ex.run_pass()  # row 3 is not written again
    assert len(writer.points) == 2

    clock.advance(31)  # never filled: a rolled-back insert
    ex.run_pass()
    with session_factory() as session:
        assert SqlCursors().get(session, "occupancy_changes") == 3
    assert len(writer.points) == 2


def test_a_late_row_filling_the_hole_is_written(session_factory: sessionmaker[Session]) -> None:
    add_occupancy(
        session_factory, [("room", ROOM, True, T0 + timedelta(minutes=i)) for i in (0, 2)]
    )
    with session_factory() as session, session.begin():
        session.execute(text("UPDATE occupancy_changes SET id = 3 WHERE id = 2"))
    clock = FakeClock(T0 + timedelta(hours=2))
    writer = RecordingWriter()
    ex = exporter(session_factory, writer, clock, [OccupancySource(gap_grace_s=30)])
    ex.run_pass()
    assert len(writer.points) == 2
    # Row 2's transaction commits late.
    add_occupancy(session_factory, [("room", ROOM, True, T0 + timedelta(minutes=1))])
    with session_factory() as session:
        assert session.scalar(text("SELECT max(id) FROM occupancy_changes")) == 4
    with session_factory() as session, session.begin():
        session.execute(text("UPDATE occupancy_changes SET id = 2 WHERE id = 4"))
    ex.run_pass()
    assert [p.ts for p in writer.points] == [T0 + timedelta(minutes=i) for i in (0, 2, 1)]
    with session_factory() as session:
        assert SqlCursors().get(session, "occupancy_changes") == 3


def test_people_per_room_and_day_only_over_five_meetings_once_the_day_settled(
    session_factory: sessionmaker[Session],
) -> None:
    # Monday 2026-01-05 (Berlin): five measured meetings in Aurora, four in Borealis.
    for i, people in enumerate([3, 5, 4, 6, 2]):
        add_occurrence(
            session_factory, ROOM, T0 + timedelta(hours=i), 30, peak_people=people, booking_id="a"
        )
    for i in range(4):
        add_occurrence(
            session_factory, OTHER_ROOM, T0 + timedelta(hours=i), 30, peak_people=2, booking_id="b"
        )
    add_occurrence(session_factory, ROOM, T0 + timedelta(hours=6), 30, peak_people=None)
    berlin_midnight = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # end of the 5th in Berlin
    clock = FakeClock(berlin_midnight + timedelta(minutes=30))  # over, not settled (1 h)
    writer = RecordingWriter()
    ex = exporter(session_factory, writer, clock, [PeopleDailySource()])
    ex.run_pass()
    assert writer.of(PEOPLE_DAILY) == []

    clock.advance(3600)
    ex.run_pass()
    (point,) = writer.of(PEOPLE_DAILY)  # Borealis's four meetings: no point at all
    assert point.ts == datetime(2026, 1, 4, 23, 0, tzinfo=UTC)  # local midnight
    assert point.fields == {"meetings": 5, "peak": 6, "median": 4.0}
    assert point.tags == {"space_kind": "room", "space_id": ROOM, **ROOM_PLACE}
    clock.advance(3 * 86400)
    ex.run_pass()
    assert len(writer.of(PEOPLE_DAILY)) == 1
    with session_factory() as session:
        assert SqlCursors().get(session, "people_daily") == date(2026, 1, 8).toordinal()


def test_a_fifth_meeting_makes_the_day_shown(session_factory: sessionmaker[Session]) -> None:
    for i in range(4):
        add_occurrence(session_factory, ROOM, T0 + timedelta(hours=i), 30, peak_people=2)
    clock = FakeClock(datetime(2026, 1, 6, 1, 0, tzinfo=UTC))  # Monday over and settled
    source = PeopleDailySource()
    with session_factory() as session:
        ctx = ReadContext(clock.now(), 0.0, OrgIndex.load(session), 100, timedelta(hours=1))
        assert source.read(session, 0, ctx).points == []
    add_occurrence(session_factory, ROOM, T0 + timedelta(hours=5), 30, peak_people=3)
    with session_factory() as session:
        (point,) = source.read(session, 0, ctx).points
    assert point.fields == {"meetings": 5, "peak": 3, "median": 2.0}


def test_daily_utilization_of_completed_local_days(session_factory: sessionmaker[Session]) -> None:
    # Monday 2026-01-05 in Berlin: occupied 09:00-10:00 local, terminal online all along.
    add_status(session_factory, ROOM_DEVICE, True, T0 - timedelta(hours=2))
    add_occupancy(
        session_factory,
        [("room", ROOM, True, T0), ("room", ROOM, False, T0 + timedelta(hours=1))],
    )
    berlin_midnight = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # end of the 5th in Berlin
    clock = FakeClock(berlin_midnight + timedelta(minutes=30))
    writer = RecordingWriter()
    ex = exporter(session_factory, writer, clock, [DailyUtilizationSource()])
    ex.run_pass()
    assert {p.ts.date() for p in writer.of(UTILIZATION)} == {date(2026, 1, 3)}  # the 4th

    clock.advance(3600)  # the 5th is over and settled
    ex.run_pass()
    monday = [
        p
        for p in writer.of(UTILIZATION)
        if p.ts == datetime(2026, 1, 4, 23, 0, tzinfo=UTC) and p.tags["room_id"] == ROOM
    ]
    (point,) = monday
    assert point.tags == ROOM_PLACE
    assert point.fields["occupied_hours"] == pytest.approx(1.0)
    assert point.fields["working_day"] == 1
    assert point.fields["utilization"] == pytest.approx(1.0 / point.fields["known_hours"])
    rooms = {p.tags["room_id"] for p in writer.of(UTILIZATION) if p.ts == point.ts}
    assert rooms == {"hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos", "hq-f2-east"}
    with session_factory() as session:
        assert SqlCursors().get(session, "utilization_daily") == date(2026, 1, 5).toordinal()


def test_since_rewrites_with_cursors_of_its_own(session_factory: sessionmaker[Session]) -> None:
    add_occupancy(
        session_factory, [("room", ROOM, i % 2 == 0, T0 + timedelta(hours=i)) for i in range(4)]
    )
    clock = FakeClock(T0 + timedelta(hours=6))
    writer = RecordingWriter()
    exporter(session_factory, writer, clock, [OccupancySource()]).catch_up()
    assert len(writer.points) == 4

    source = OccupancySource()
    with session_factory() as session:
        start = source.rewind_cursor(session, T0 + timedelta(hours=2))
    again = RecordingWriter()
    memory = MemoryCursors({source.name: start})
    result = exporter(session_factory, again, clock, [source], cursors=memory).catch_up()
    assert result.points == 2 and [p.ts for p in again.points] == [
        T0 + timedelta(hours=2),
        T0 + timedelta(hours=3),
    ]
    with session_factory() as session:  # the stored cursor is untouched
        assert SqlCursors().get(session, source.name) == 4


def test_cursor_advance_is_compare_and_set(session_factory: sessionmaker[Session]) -> None:
    cursors = SqlCursors()
    with session_factory() as session:
        assert cursors.advance(session, "x", 0, 5, T0)
        assert not cursors.advance(session, "x", 0, 7, T0)  # someone else moved it
        assert cursors.advance(session, "x", 5, 9, T0)
        assert cursors.get(session, "x") == 9


def test_points_refuse_naive_times_and_empty_fields() -> None:
    with pytest.raises(ValueError, match="aware"):
        TsPoint(OCCUPANCY, datetime(2026, 1, 1), {"occupied": 1})
    with pytest.raises(ValueError, match="field"):
        TsPoint(OCCUPANCY, T0, {})


def test_unknown_spaces_keep_their_own_tags(session_factory: sessionmaker[Session]) -> None:
    add_occupancy(session_factory, [("room", "gone-room", True, T0)])
    writer = RecordingWriter()
    exporter(
        session_factory, writer, FakeClock(T0), [OccupancySource(), DeviceStatusSource()]
    ).run_pass()
    assert writer.points[0].tags == {"space_kind": "room", "space_id": "gone-room"}
