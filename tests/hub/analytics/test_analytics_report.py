"""The report and history functions against a real (temporary) database, SQLite and PostgreSQL.

The week of Monday 2025-03-24 in Berlin: Friday the 28th is a site holiday and the
clocks go forward on Sunday the 30th. Expected numbers are worked out by hand next to
each scenario.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from hub.analytics import (
    Segment,
    State,
    UnknownSpaceError,
    UtilizationRow,
    occupancy_history,
    utilization_report,
)
from hub.db.engine import make_engine
from hub.db.models import DeviceStatusChange, OccupancyChange, SiteHoliday
from hub.org.importer import import_config_dir

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"
BERLIN = ZoneInfo("Europe/Berlin")
MON = date(2025, 3, 24)
NEXT_MON = MON + timedelta(7)
AFTER = datetime(2025, 4, 1, 12, tzinfo=UTC)
ROOMS = ["hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos", "hq-f2-east"]


def local(day: date, hh: int = 0, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=BERLIN).astimezone(UTC)


def d(offset: int) -> date:
    return MON + timedelta(offset)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, fresh_database: Any) -> Iterator[Engine]:
    engine = make_engine(fresh_database(request.param, "schema"))
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        import_config_dir(session, FIRMWARE_CONFIGS)
        session.add(SiteHoliday(site_id="hq", day=d(4), name="Test holiday"))
        _seed(session)
        session.commit()
        yield session


def _seed(session: Session) -> None:
    seq = iter(range(1, 10_000))

    def change(kind: str, space: str, device: str, at: datetime, occupied: bool) -> None:
        session.add(
            OccupancyChange(
                space_kind=kind,
                space_id=space,
                occupied=occupied,
                ts=at,
                device_id=device,
                boot="b1",
                seq=next(seq),
            )
        )

    def status(device: str, at: datetime, online: bool) -> None:
        session.add(DeviceStatusChange(device_id=device, online=online, at=at))

    aurora, room = "term-hq-f1-aurora", "hq-f1-aurora"
    status(aurora, local(d(-1), 6), True)
    change("room", room, aurora, local(d(-1), 20), False)  # before the range: vacant at start
    change("room", room, aurora, local(d(0), 10), True)  # Mon 10:00-11:30
    change("room", room, aurora, local(d(0), 11, 30), False)
    status(aurora, local(d(1), 12), False)  # Tue offline 12:00-14:00
    status(aurora, local(d(1), 14), True)
    change("room", room, aurora, local(d(1), 14), False)  # the initial state after the restart
    change("room", room, aurora, local(d(2), 17), True)  # Wed 17:00-19:00, 1 h after hours
    change("room", room, aurora, local(d(2), 19), False)
    change("room", room, aurora, local(d(4), 9), True)  # Fri, a holiday
    change("room", room, aurora, local(d(4), 10), False)
    change("room", room, aurora, local(d(6), 1), True)  # Sun 01:00-04:00 local = 2 h (DST)
    change("room", room, aurora, local(d(6), 4), False)

    # Cosmos was occupied when its terminal went away before the range: unknown all week.
    cosmos = "term-hq-f2-cosmos"
    change("room", "hq-f2-cosmos", cosmos, local(d(-1), 10), True)
    status(cosmos, local(d(-1), 12), False)
    status(cosmos, local(d(-1), 13), True)

    # East desk area: its terminal goes offline on Monday 15:00 and never returns.
    east = "term-hq-f2-east-desks"
    status(east, local(d(0), 7), True)
    change("room", "hq-f2-east", east, local(d(0), 8), False)
    change("desk", "hq-f2-e01", east, local(d(0), 8), False)
    change("desk", "hq-f2-e01", east, local(d(0), 9), True)  # E01 Mon 09:00-13:00
    change("desk", "hq-f2-e01", east, local(d(0), 13), False)
    status(east, local(d(0), 15), False)


def report(session: Session, group_by: str, **kwargs: object) -> dict[str, UtilizationRow]:
    args: dict[str, object] = {
        "start": local(MON),
        "end": local(NEXT_MON),
        "now": AFTER,
        "room_ids": ROOMS,
        "desk_ids": [],
        **kwargs,
    }
    result = utilization_report(session, group_by=group_by, **args)  # type: ignore[arg-type]
    assert result.group_by == group_by
    return {row.key: row for row in [*result.rows, result.total]}


def hours(row: UtilizationRow) -> tuple[float, float, float, float, float]:
    return (
        row.working_hours,
        row.future_hours,
        row.known_hours,
        row.occupied_hours,
        row.occupied_hours_total,
    )


def test_per_room(session: Session) -> None:
    rows = report(session, "room")
    # Aurora, 08:00-18:00: Mon-Thu 10 h each (Fri holiday). Known: Tue lost 12:00-14:00.
    # Occupied in hours: Mon 1.5 + Wed 1; all day also Wed 1 after hours, Fri 1, Sun 2.
    assert hours(rows["hq-f1-aurora"]) == (40, 0, 38, 2.5, 6.5)
    assert rows["hq-f1-aurora"].utilization == 2.5 / 38
    assert rows["hq-f1-aurora"].coverage == 38 / 40
    assert rows["hq-f1-aurora"].label == "Aurora"
    # Borealis never reported: no data, not 0%.
    assert hours(rows["hq-f1-borealis"]) == (32, 0, 0, 0, 0)
    assert (rows["hq-f1-borealis"].utilization, rows["hq-f1-borealis"].coverage) == (None, 0.0)
    # Cosmos: the outage before the range forgot the 'occupied' state.
    assert rows["hq-f2-cosmos"].known_hours == 0
    assert rows["hq-f2-cosmos"].utilization is None
    # East area: known Mon 09:00-15:00, vacant.
    assert hours(rows["hq-f2-east"]) == (32, 0, 6, 0, 0)
    assert rows["hq-f2-east"].utilization == 0.0
    assert hours(rows["total"]) == (136, 0, 44, 2.5, 6.5)
    assert rows["total"].utilization == 2.5 / 44
    assert rows["total"].spaces == 4


def test_rows_are_sorted_by_name_and_carry_no_date(session: Session) -> None:
    result = utilization_report(
        session,
        start=local(MON),
        end=local(NEXT_MON),
        now=AFTER,
        room_ids=ROOMS,
        desk_ids=["hq-f2-e01"],
        group_by="room",
    )
    assert [r.label for r in result.rows] == [
        "Aurora",
        "Borealis",
        "Cosmos boardroom",
        "East desk area",
    ]  # desks only with group_by=desk
    assert all(r.date is None for r in result.rows)
    assert result.model_dump(mode="json")["rows"][0]["key"] == "hq-f1-aurora"


def test_per_floor_sums_rooms_time_weighted(session: Session) -> None:
    rows = report(session, "floor", desk_ids=["hq-f2-e01"])
    floor1, floor2 = rows["hq-main-f1"], rows["hq-main-f2"]
    assert (floor1.label, floor1.spaces, floor2.spaces) == ("Floor 1", 2, 2)
    assert hours(floor1) == (72, 0, 38, 2.5, 6.5)
    assert floor1.utilization == 2.5 / 38  # Borealis without data does not dilute it
    assert floor1.coverage == 38 / 72
    assert hours(floor2) == (64, 0, 6, 0, 0)  # the desk is not summed into its floor


def test_per_desk(session: Session) -> None:
    rows = report(session, "desk", room_ids=[], desk_ids=["hq-f2-e01", "hq-f2-e02"])
    # E01 uses its area's 09:00-17:00 and its terminal's outage from Mon 15:00.
    assert hours(rows["hq-f2-e01"]) == (32, 0, 6, 4, 4)
    assert rows["hq-f2-e01"].utilization == 4 / 6
    assert rows["hq-f2-e01"].label == "E01"
    assert rows["hq-f2-e02"].utilization is None
    assert set(rows) == {"hq-f2-e01", "hq-f2-e02", "total"}


def test_per_day_in_local_dates(session: Session) -> None:
    result = utilization_report(
        session,
        start=local(MON),
        end=local(NEXT_MON),
        now=AFTER,
        room_ids=["hq-f1-aurora"],
        desk_ids=["hq-f2-e01"],
        group_by="day",
    )
    rows = {row.date: row for row in result.rows}
    assert list(rows) == [d(i) for i in range(7)]
    assert rows[d(0)].key == "2025-03-24" and rows[d(0)].spaces == 2
    assert hours(rows[d(0)]) == (18, 0, 16, 5.5, 5.5)  # Aurora 10/10/1.5 + E01 8/6/4
    assert hours(rows[d(1)]) == (18, 0, 8, 0, 0)  # Aurora lost 2 h, E01 unknown
    assert hours(rows[d(4)]) == (0, 0, 0, 0, 1)  # the holiday
    assert rows[d(4)].utilization is None
    assert hours(rows[d(6)]) == (0, 0, 0, 0, 2)  # DST Sunday, 01:00-04:00 local
    assert hours(result.total) == (72, 0, 44, 6.5, 10.5)


def test_open_interval_and_future_hours(session: Session) -> None:
    now = local(d(2), 17, 30)  # Wed, half an hour into the 17:00 meeting
    rows = report(session, "room", room_ids=["hq-f1-aurora"], now=now)
    # Wed: 0.5 h of its 10 h is future; Thu 10 h future. Occupied Wed 17:00-17:30.
    assert hours(rows["hq-f1-aurora"]) == (40, 10.5, 27.5, 2.0, 2.0)
    assert rows["hq-f1-aurora"].coverage == 27.5 / 29.5  # future hours are not missing data
    assert rows["hq-f1-aurora"].utilization == 2.0 / 27.5


def test_the_state_at_a_range_start_inside_a_meeting(session: Session) -> None:
    rows = report(
        session, "room", room_ids=["hq-f1-aurora"], start=local(d(0), 11), end=local(d(1))
    )
    assert hours(rows["hq-f1-aurora"]) == (7, 0, 7, 0.5, 0.5)  # occupied since 10:00


def test_only_the_given_spaces_are_reported(session: Session) -> None:
    rows = report(session, "floor", room_ids=["hq-f1-aurora", "no-such-room"])
    assert set(rows) == {"hq-main-f1", "total"}
    assert rows["hq-main-f1"].spaces == 1
    assert report(session, "room", room_ids=[])["total"].working_hours == 0


def test_bad_ranges_are_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="must be after its start"):
        report(session, "room", start=local(MON), end=local(MON))
    with pytest.raises(ValueError, match="at most 366 days"):
        report(session, "room", start=local(MON), end=local(MON) + timedelta(days=366, seconds=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        report(session, "room", start=datetime(2025, 3, 24))
    with pytest.raises(ValueError, match="group_by must be one of"):
        report(session, "week")
    report(session, "room", start=local(MON), end=local(MON) + timedelta(days=366))


def test_a_few_queries_whatever_the_range(session: Session, engine: Engine) -> None:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        report(session, "day", room_ids=["hq-f1-aurora"], end=local(d(1)))
        one_day = len(statements)
        statements.clear()
        report(session, "day", desk_ids=["hq-f2-e01", "hq-f2-e02"], end=local(d(300)))
        long_range = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert one_day == long_range <= 8


def test_occupancy_history(session: Session) -> None:
    tue, wed = d(1), d(2)
    segments = occupancy_history(
        session,
        space_kind="room",
        space_id="hq-f1-aurora",
        start=local(tue),
        end=local(wed),
        now=AFTER,
    )
    assert segments == [
        Segment(local(tue), local(tue, 12), State.VACANT),
        Segment(local(tue, 12), local(tue, 14), State.UNKNOWN),
        Segment(local(tue, 14), local(wed), State.VACANT),
    ]
    desk = occupancy_history(
        session,
        space_kind="desk",
        space_id="hq-f2-e01",
        start=local(MON),
        end=local(d(1)),
        now=local(MON, 10),
    )
    assert desk == [
        Segment(local(MON), local(MON, 8), State.UNKNOWN),
        Segment(local(MON, 8), local(MON, 9), State.VACANT),
        Segment(local(MON, 9), local(MON, 10), State.OCCUPIED),  # open, up to now
    ]


def test_occupancy_history_of_an_unknown_space(session: Session) -> None:
    with pytest.raises(UnknownSpaceError, match="no desk with id 'hq-f1-aurora'"):
        occupancy_history(
            session,
            space_kind="desk",
            space_id="hq-f1-aurora",
            start=local(MON),
            end=local(d(1)),
            now=AFTER,
        )
