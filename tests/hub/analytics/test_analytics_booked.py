"""Booked against used, against a real database: hand-computed figures, and the rollups.

The week of Monday 2025-06-02 in Berlin (UTC+2, no clock change), working hours 09:00-17:00
Monday to Friday (8 h a day). The report covers Monday to Friday, [2025-06-02, 2025-06-07),
made on Saturday the 7th at 12:00 local.

Alpha (floor f1, shared, 12 seats, a terminal):

| when | what |
|---|---|
| Sun 20:00 | vacant (the state when the week starts) |
| Mon 09:00-10:00 | booking B1, checked in 09:05, ended, a counting sensor saw 3 people |
| Mon 09:05-10:10 | occupied |
| Mon 11:00-12:00 | booking B2, released 11:10 as a no-show: booked 11:00-11:10 only |
| Mon 14:00-15:00 | occupied without a booking |
| Tue 10:00-11:00 | booking B3, checked in through the API, room vacant all along: a ghost |
| Tue 13:00-15:00 | terminal offline (unknown), vacant again from 15:00 |
| Wed 09:00-11:00 | booking B4, cancelled: not counted |
| Wed 09:30-10:30 | occupied without a booking |

working 5 x 8 = 40 h, elapsed 40 h, known 40 - 2 = 38 h;
occupied 65 + 60 (Mon) + 60 (Wed) = 185 min; booked 60 + 10 + 60 = 130 min, all known;
booked and occupied: Mon 09:05-10:00 = 55 min; unbooked occupied 185 - 55 = 130 min;
meetings B1, B2, B3 = 3; no-shows 1 (B2); ghosts 2 (B2, B3).

Beta (f1, department eng, 4 seats, no terminal reports): a one-person meeting (organizer
only, checked in through the API) every weekday 13:00-14:00; no sensor data, so none of them
is a ghost and their head count comes from the booking.

Desk area (f2, department eng) with desks d1 (occupied Mon 09:00-13:00) and d2 (never).
"""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from hub.analytics.dashboard import (
    desk_summary,
    group_report,
    heatmap,
    right_sizing_report,
    space_report,
)
from hub.analytics.rollups import refresh_rollups
from hub.db.engine import make_engine
from hub.db.models import (
    Booking,
    BookingAttendee,
    BookingOccurrence,
    Building,
    Department,
    Desk,
    Device,
    DeviceStatusChange,
    Floor,
    OccupancyChange,
    Room,
    Site,
    User,
    analytics_group_days,
    analytics_meetings,
    analytics_space_days,
)

BERLIN = ZoneInfo("Europe/Berlin")
MON = date(2025, 6, 2)
SAT = MON + timedelta(5)
NOW = datetime(2025, 6, 7, 10, 0, tzinfo=UTC)  # Saturday 12:00 in Berlin
MIN = 60.0


def local(offset: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime.combine(MON + timedelta(offset), time(hh, mm), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, fresh_database: Any) -> Iterator[Engine]:
    engine = make_engine(fresh_database(request.param, "schema"))
    yield engine
    engine.dispose()


def _org(session: Session) -> None:
    # No relationships between the models: flush parents first.
    for rows in (
        [Department(id="eng", name="Engineering"), Site(id="s", name="Site")],
        [Building(id="b1", site_id="s", name="Main")],
        [
            Floor(id="f1", building_id="b1", name="Floor 1", level=1),
            Floor(id="f2", building_id="b1", name="Floor 2", level=2),
        ],
    ):
        session.add_all(rows)
        session.flush()
    hours = {"work_start": time(9), "work_end": time(17), "timezone": "Europe/Berlin"}
    days = ["mon", "tue", "wed", "thu", "fri"]
    session.add_all(
        [
            Room(id="alpha", floor_id="f1", name="Alpha", kind="meeting_room", capacity=12,
                 department_id=None, work_days=days, **hours),
            Room(id="beta", floor_id="f1", name="Beta", kind="meeting_room", capacity=4,
                 department_id="eng", work_days=days, **hours),
            Room(id="desks", floor_id="f2", name="Desks", kind="desk_area", capacity=2,
                 department_id="eng", work_days=days, **hours),
        ]
    )  # fmt: skip
    session.flush()
    session.add_all(
        [
            Desk(id="d1", room_id="desks", name="D1"),
            Desk(id="d2", room_id="desks", name="D2"),
            Device(id="t-alpha", room_id="alpha"),
            Device(id="t-desks", room_id="desks"),
            User(id="ann", display_name="Ann", role="member", created_at=local(-7)),
            User(id="bob", display_name="Bob", role="member", created_at=local(-7)),
            User(id="cy", display_name="Cy", role="member", created_at=local(-7)),
        ]
    )
    session.flush()


_seq = iter(range(1, 1_000_000))


def change(kind: str, space: str, at: datetime, occupied: bool) -> OccupancyChange:
    device = "t-alpha" if space == "alpha" else "t-desks"
    return OccupancyChange(
        space_kind=kind, space_id=space, occupied=occupied, ts=at, device_id=device,
        boot="b", seq=next(_seq),
    )  # fmt: skip


def status(device: str, at: datetime, online: bool) -> DeviceStatusChange:
    return DeviceStatusChange(device_id=device, online=online, at=at)


def booking(
    bid: str,
    space: str,
    lo: datetime,
    hi: datetime,
    *,
    state: str = "booked",
    kind: str = "room",
    **occurrence: Any,
) -> list[Any]:
    row = Booking(
        id=bid, space_kind=kind, space_id=space, organizer_id="ann", title=bid, starts_at=lo,
        ends_at=hi, timezone="Europe/Berlin", source="api", created_at=local(-3),
        updated_at=local(-3),
    )  # fmt: skip
    occ = BookingOccurrence(
        booking_id=bid, space_kind=kind, space_id=space, starts_at=lo, ends_at=hi, state=state,
        **occurrence,
    )  # fmt: skip
    return [row, occ]


# Every raw row with the moment the hub learnt of it: the incremental test replays them.
Arrival = tuple[datetime, Callable[[Session], None]]


def _adds(*rows: Any) -> Callable[[Session], None]:
    def apply(session: Session) -> None:
        session.add_all(rows)

    return apply


def _occurrence(bid: str, **values: Any) -> Callable[[Session], None]:
    def apply(session: Session) -> None:
        session.execute(
            update(BookingOccurrence).where(BookingOccurrence.booking_id == bid).values(**values)
        )

    return apply


def arrivals() -> list[Arrival]:
    """The week, as it reaches the hub (each change a second after it happened)."""
    s = timedelta(seconds=1)
    out: list[Arrival] = [
        (local(-1, 6), _adds(status("t-alpha", local(-1, 6), True))),
        (local(-1, 6), _adds(status("t-desks", local(-1, 6), True))),
        (local(-1, 20) + s, _adds(change("room", "alpha", local(-1, 20), False))),
        (local(-1, 20) + s, _adds(change("desk", "d1", local(-1, 20), False))),
        (local(-1, 20) + s, _adds(change("desk", "d2", local(-1, 20), False))),
        # Bookings made the week before.
        (local(-3), _adds(*booking("B1", "alpha", local(0, 9), local(0, 10)))),
        (local(-3), _adds(*booking("B2", "alpha", local(0, 11), local(0, 12)))),
        (local(-3), _adds(*booking("B3", "alpha", local(1, 10), local(1, 11)))),
        (local(-3), _adds(*booking("B4", "alpha", local(2, 9), local(2, 11)))),
        (local(-3), _adds(*booking("N1", "d2", local(1, 23), local(2, 1), kind="desk"))),
        (local(-3), _adds(BookingAttendee(booking_id="B3", user_id="bob"))),
        (local(-3), _adds(BookingAttendee(booking_id="B3", user_id="ann"))),  # the organizer
        # Monday.
        (local(0, 9) + s, _adds(change("desk", "d1", local(0, 9), True))),
        (local(0, 9, 5) + s, _adds(change("room", "alpha", local(0, 9, 5), True))),
        (local(0, 9, 5) + s, _occurrence("B1", state="checked_in", checked_in_at=local(0, 9, 5),
                                          check_in_method="occupancy")),
        (local(0, 10), _occurrence("B1", state="ended", peak_people=3)),
        (local(0, 10, 10) + s, _adds(change("room", "alpha", local(0, 10, 10), False))),
        (local(0, 11, 10), _occurrence("B2", state="released", released_at=local(0, 11, 10),
                                       release_reason="no_show")),
        (local(0, 13) + s, _adds(change("desk", "d1", local(0, 13), False))),
        (local(0, 14) + s, _adds(change("room", "alpha", local(0, 14), True))),
        (local(0, 15) + s, _adds(change("room", "alpha", local(0, 15), False))),
        # Tuesday.
        (local(1, 10), _occurrence("B3", state="checked_in", checked_in_at=local(1, 10),
                                   check_in_method="api")),
        (local(1, 11), _occurrence("B3", state="ended")),
        (local(1, 13), _adds(status("t-alpha", local(1, 13), False))),
        (local(1, 15), _adds(status("t-alpha", local(1, 15), True))),
        (local(1, 15) + s, _adds(change("room", "alpha", local(1, 15), False))),
        # Wednesday.
        (local(1, 18), _occurrence("B4", state="cancelled")),
        (local(2, 9, 30) + s, _adds(change("room", "alpha", local(2, 9, 30), True))),
        (local(2, 10, 30) + s, _adds(change("room", "alpha", local(2, 10, 30), False))),
    ]  # fmt: skip
    for day in range(5):
        bid = f"E{day}"
        out.append((local(-3), _adds(*booking(bid, "beta", local(day, 13), local(day, 14)))))
        out.append(
            (
                local(day, 13, 1),
                _occurrence(bid, state="ended", checked_in_at=local(day, 13, 1),
                            check_in_method="api"),
            )
        )  # fmt: skip
    return sorted(out, key=lambda a: a[0])


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        _org(session)
        session.commit()
        yield session


def _load_all(session: Session, until: datetime = NOW) -> None:
    for at, apply in arrivals():
        if at <= until:
            apply(session)
    session.commit()


def _figures(session: Session, kind: str, ids: list[str], lo: date = MON, hi: date = SAT) -> Any:
    return {row.id: row.figures for row in space_report(session, kind=kind, ids=ids, first=lo,
                                                         last=hi)}  # fmt: skip


def test_room_figures_by_hand(session: Session) -> None:
    _load_all(session)
    refresh_rollups(session, NOW)
    alpha = _figures(session, "room", ["alpha"])["alpha"]
    assert alpha.working_hours == 40
    assert alpha.elapsed_hours == 40
    assert alpha.known_hours == 38
    assert alpha.occupied_hours * MIN == pytest.approx(185)
    assert alpha.booked_hours * MIN == pytest.approx(130)
    assert alpha.booked_used_hours * MIN == pytest.approx(55)
    assert alpha.unbooked_occupied_hours * MIN == pytest.approx(130)
    assert alpha.utilization == pytest.approx(185 / (38 * 60))
    assert alpha.booked_used_share == pytest.approx(55 / 130)
    assert alpha.booked_share == pytest.approx(130 / (40 * 60))
    assert (alpha.meetings, alpha.no_shows, alpha.ghosts) == (3, 1, 2)
    assert alpha.no_show_rate == pytest.approx(1 / 3)
    assert alpha.ghost_rate == pytest.approx(2 / 3)

    # Beta: no sensor data at all; five meetings, none of them a ghost (nothing was seen).
    beta = _figures(session, "room", ["beta"])["beta"]
    assert (beta.known_hours, beta.utilization, beta.booked_used_share) == (0, None, None)
    assert beta.booked_hours == 5
    assert (beta.meetings, beta.no_shows, beta.ghosts) == (5, 0, 0)

    # One day: Monday alone. 09:05-10:10 and 14:00-15:00 occupied; B1 and B2 booked.
    monday = _figures(session, "room", ["alpha"], MON, MON + timedelta(1))["alpha"]
    assert monday.occupied_hours * MIN == pytest.approx(125)
    assert monday.booked_hours * MIN == pytest.approx(70)
    assert (monday.meetings, monday.no_shows, monday.ghosts) == (3 - 1, 1, 1)


def test_floors_buildings_days_and_scoping(session: Session) -> None:
    _load_all(session)
    refresh_rollups(session, NOW)
    floors = group_report(session, by="floor", kind="room", first=MON, last=SAT)
    f1 = next(r for r in floors if r.key == "f1")
    # Alpha + Beta: working 80 h, known 38 h (Beta has none), occupied 185 min.
    assert f1.figures.working_hours == 80
    assert f1.figures.known_hours == 38
    assert f1.figures.occupied_hours * MIN == pytest.approx(185)
    assert f1.figures.booked_hours * MIN == pytest.approx(130 + 300)
    assert (f1.figures.meetings, f1.figures.no_shows, f1.figures.ghosts) == (8, 1, 2)
    # The desk area on f2 has no data, but its 40 working hours count.
    f2 = next(r for r in floors if r.key == "f2")
    assert (f2.figures.working_hours, f2.figures.known_hours) == (40, 0)

    buildings = group_report(session, by="building", kind="room", first=MON, last=SAT)
    assert [r.key for r in buildings] == ["b1"]
    assert buildings[0].figures.working_hours == 120

    # Shared spaces only (a facilities user without a department): Beta (eng) is left out.
    shared = group_report(session, by="floor", kind="room", first=MON, last=SAT,
                          departments=[None])  # fmt: skip
    assert [(r.key, r.figures.working_hours) for r in shared] == [("f1", 40)]

    by_day = group_report(session, by="floor_day", kind="room", first=MON, last=SAT,
                          floor_ids=["f1"])  # fmt: skip
    assert [r.date for r in by_day] == [MON + timedelta(i) for i in range(5)]
    tuesday = by_day[1].figures
    # Alpha: 6 known hours, B3 (a ghost); Beta: E1.
    assert (tuesday.known_hours, tuesday.meetings, tuesday.ghosts) == (6, 2, 1)

    days = group_report(session, by="day", kind="desk", first=MON, last=SAT)
    assert days[0].figures.occupied_hours == 4  # d1 on Monday 09:00-13:00


def test_heatmap(session: Session) -> None:
    _load_all(session)
    refresh_rollups(session, NOW)
    hm = heatmap(session, kind="room", first=MON, last=SAT)
    share = hm.occupied_share
    mon, tue, wed = 0, 1, 2
    assert share[mon][9] == pytest.approx(55 / 60)  # 09:05-10:00
    assert share[mon][10] == pytest.approx(10 / 60)
    assert share[mon][14] == 1
    assert share[tue][13] is None  # offline, and Beta has no data: nothing known
    assert share[wed][9] == pytest.approx(30 / 60)
    assert share[wed][10] == pytest.approx(30 / 60)
    assert share[mon][8] is None  # before working hours
    assert hm.known_hours[tue][12] == 1
    assert share[5] == [None] * 24  # Saturday


def test_desks_idle_and_never_used(session: Session) -> None:
    _load_all(session)
    refresh_rollups(session, NOW)
    rows = space_report(session, kind="desk", ids=["d1", "d2", "nope"], first=MON, last=SAT)
    assert [r.id for r in rows] == ["d1", "d2"]
    summary = desk_summary(rows)
    assert summary.idle_rate == pytest.approx((80 - 4) / 80)
    assert summary.never_used == ["d2"]
    assert summary.no_data == []


def test_right_sizing_needs_five_meetings(session: Session) -> None:
    _load_all(session)
    refresh_rollups(session, NOW)
    # Monday to Thursday: Beta held 4 meetings, one person each (the organizer).
    four = right_sizing_report(session, room_ids=["beta"], first=MON, last=MON + timedelta(4))
    assert four[0].meetings == 4
    assert four[0].people_source == "attendees"
    assert four[0].median_people is None and four[0].recommendation is None
    assert four[0].withheld is not None and "at least 5" in four[0].withheld
    five = right_sizing_report(session, room_ids=["beta"], first=MON, last=SAT)[0]
    assert (five.meetings, five.withheld) == (5, None)
    assert (five.median_people, five.p80_people, five.small_limit) == (1, 1, 1)
    assert five.recommendation == "downsize"
    assert five.message == "4-seat room used by 1 or fewer people in 100% of its meetings"
    # Alpha: only B1 was held (3 people, from the counting sensor); B3 was a ghost.
    alpha = right_sizing_report(session, room_ids=["alpha"], first=MON, last=SAT)[0]
    assert (alpha.meetings, alpha.people_source, alpha.from_sensor) == (1, "sensor", 1)
    assert alpha.median_people is None


def test_ghost_check_in_without_anybody_is_not_a_meeting(session: Session) -> None:
    _load_all(session)
    refresh_rollups(session, NOW)
    m = analytics_meetings.c
    rows = session.execute(
        select(m.booking_id, m.held, m.no_show, m.ghost, m.people, m.people_source)
        .where(m.space_id == "alpha")
        .order_by(m.starts_at)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("B1", True, False, False, 3, "sensor"),
        ("B2", False, True, True, None, None),
        ("B3", False, False, True, None, None),
        ("B4", False, False, False, None, None),  # cancelled: kept, never counted
    ]


# -- the rollups: incremental refreshes equal a rebuild from the raw rows --------------


def _tables(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in (analytics_space_days, analytics_group_days, analytics_meetings):
        keys = list(table.primary_key.columns)
        out[table.name] = [tuple(r) for r in session.execute(select(table).order_by(*keys))]
    return out


def test_incremental_refreshes_equal_a_rebuild(session: Session) -> None:
    """Replay the week as it arrived, refreshing every 3 hours; then rebuild and compare."""
    pending = arrivals()
    clock = local(-4)
    while clock <= NOW:
        while pending and pending[0][0] <= clock:
            pending.pop(0)[1](session)
        session.commit()
        refresh_rollups(session, clock)
        session.commit()
        clock += timedelta(hours=3)
    refresh_rollups(session, NOW)
    incremental = _tables(session)
    refresh_rollups(session, NOW, full=True)
    assert _tables(session) == incremental
    alpha = _figures(session, "room", ["alpha"])["alpha"]
    assert alpha.occupied_hours * MIN == pytest.approx(185)
    # N1 (desk d2, Tuesday 23:00 to Wednesday 01:00, nobody came) became a ghost only after
    # midnight: the refresh then went back to the day it started.
    d2 = _figures(session, "desk", ["d2"], MON + timedelta(1), MON + timedelta(2))["d2"]
    assert (d2.meetings, d2.ghosts, d2.booked_hours) == (1, 1, 0)


def test_late_events_update_past_days(session: Session) -> None:
    _load_all(session)
    refresh_rollups(session, NOW)
    session.commit()
    later = NOW + timedelta(minutes=5)
    # Thursday 10:00-11:00 occupied reaches the hub only now (a terminal's spool), with a
    # booking added afterwards for that hour, checked in.
    session.add_all([change("room", "alpha", local(3, 10), True),
                     change("room", "alpha", local(3, 11), False)])  # fmt: skip
    session.add_all(booking("B5", "alpha", local(3, 10), local(3, 11), state="ended",
                            checked_in_at=local(3, 10), peak_people=2))  # fmt: skip
    # Beta's Friday meeting is cancelled after the fact.
    session.execute(
        update(BookingOccurrence)
        .where(BookingOccurrence.booking_id == "E4")
        .values(state="cancelled")
    )
    session.execute(update(Booking).where(Booking.id == "E4").values(updated_at=later))
    session.commit()
    stats = refresh_rollups(session, later)
    session.commit()
    assert not stats.full
    alpha = _figures(session, "room", ["alpha"])["alpha"]
    assert alpha.occupied_hours * MIN == pytest.approx(185 + 60)
    assert alpha.booked_hours * MIN == pytest.approx(130 + 60)
    assert alpha.booked_used_hours * MIN == pytest.approx(55 + 60)
    assert alpha.meetings == 4
    beta = _figures(session, "room", ["beta"])["beta"]
    assert (beta.meetings, beta.booked_hours) == (4, 4)
    incremental = _tables(session)
    refresh_rollups(session, later, full=True)
    assert _tables(session) == incremental


def test_bad_ranges_are_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="after its start"):
        space_report(session, kind="room", ids=["alpha"], first=MON, last=MON)
    with pytest.raises(ValueError, match="at most 366"):
        group_report(session, by="floor", kind="room", first=MON, last=MON + timedelta(400))


def test_zombie_series_are_counted_per_room(session: Session) -> None:
    _load_all(session)
    weekly = {"rrule": "FREQ=WEEKLY", "flagged_at": local(0, 12)}
    zombie, cancelled, one_off = (booking(b, "alpha", local(0, 8), local(0, 9))[0]
                                  for b in ("Z1", "Z2", "Z3"))  # fmt: skip
    zombie.rrule, zombie.flagged_at = weekly["rrule"], weekly["flagged_at"]
    cancelled.rrule, cancelled.flagged_at = weekly["rrule"], weekly["flagged_at"]
    cancelled.cancelled_at = local(1)
    one_off.flagged_at = weekly["flagged_at"]  # not a series: not a zombie
    session.add_all([zombie, cancelled, one_off])
    session.commit()
    refresh_rollups(session, NOW)
    rows = space_report(session, kind="room", ids=["alpha", "beta"], first=MON, last=SAT)
    assert {r.id: r.zombie_series for r in rows} == {"alpha": 1, "beta": 0}
