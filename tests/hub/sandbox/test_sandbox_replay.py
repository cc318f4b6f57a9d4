"""The what-if replay as a pure function, on hand-made fixtures with hand-computed answers.

The building: floor 2 has the 12-seat boardroom and the 8-seat Focus room; floor 3 the
8-seat Octo room and a 4-seat huddle room. The plan splits the boardroom into two 6-seat
rooms, so its meetings of 8 and 10 no longer fit in place. The walk-through of where every
meeting goes is in docs/sandbox.md ("A worked example").
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.sandbox.allocate import RoomDiary
from hub.sandbox.desks import DeskRow, most_at_once
from hub.sandbox.model import DeskDay, HeldMeeting, Inventory, RoomSpec
from hub.sandbox.plan import parse_plan
from hub.sandbox.replay import PlanFigures, RoomRow, compare

DAY = date(2026, 3, 2)
BOARD, FOCUS, OCTO, HUDDLE = "hq-f2-boardroom", "hq-f2-focus", "hq-f3-octo", "hq-f3-huddle"
ROOMS = {
    BOARD: RoomSpec(BOARD, "hq-f2", "hq", 12),
    FOCUS: RoomSpec(FOCUS, "hq-f2", "hq", 8),
    OCTO: RoomSpec(OCTO, "hq-f3", "hq", 8),
    HUDDLE: RoomSpec(HUDDLE, "hq-f3", "hq", 4),
    "hq-f3-desks": RoomSpec("hq-f3-desks", "hq-f3", "hq", 3, meeting_room=False),
    "hq-f2-desks": RoomSpec("hq-f2-desks", "hq-f2", "hq", 2, meeting_room=False),
}
DESKS = {"d1": "hq-f3-desks", "d2": "hq-f3-desks", "d3": "hq-f3-desks"}
DESKS |= {"e1": "hq-f2-desks", "e2": "hq-f2-desks"}
INVENTORY = Inventory(ROOMS, {"hq-f2": "hq", "hq-f3": "hq"}, DESKS)
SPLIT = {
    "changes": [
        {
            "split": BOARD,
            "into": [
                {"id": "hq-f2-board-a", "capacity": 6},
                {"id": "hq-f2-board-b", "capacity": 6},
            ],
        }
    ]
}


def at(clock: str, day: date = DAY) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def meeting(ident: int, room: str, start: str, end: str, people: int) -> HeldMeeting:
    return HeldMeeting(ident, room, at(start), at(end), people, "sensor")


# (id, room booked, start, end, people): no room is double-booked, every meeting fits its room.
MEETINGS = [
    meeting(1, BOARD, "09:00", "10:00", 8),
    meeting(2, BOARD, "10:00", "11:00", 8),
    meeting(3, BOARD, "11:00", "12:00", 10),
    meeting(4, BOARD, "13:00", "14:00", 5),
    meeting(5, BOARD, "14:00", "15:00", 8),
    meeting(6, BOARD, "15:00", "16:00", 6),
    meeting(7, FOCUS, "09:00", "10:30", 7),
    meeting(8, FOCUS, "14:00", "15:00", 6),
    meeting(9, OCTO, "09:00", "10:20", 8),
    meeting(10, OCTO, "14:00", "16:00", 5),
    meeting(11, HUDDLE, "10:00", "11:00", 3),
    meeting(12, FOCUS, "16:00", "16:20", 7),
    meeting(13, BOARD, "16:00", "17:00", 8),
    meeting(14, OCTO, "17:00", "17:10", 8),
    meeting(15, FOCUS, "17:00", "17:30", 8),
    meeting(16, BOARD, "17:00", "18:00", 8),
]
WAIT = timedelta(minutes=30)


def rows_by_id(figures: PlanFigures) -> dict[str, RoomRow]:
    return {row.room_id: row for row in figures.rooms}


def test_the_unchanged_plan_fits_every_meeting_in_place() -> None:
    result = compare(INVENTORY, parse_plan(SPLIT), MEETINGS, [], max_wait=WAIT, min_group=1)
    totals = result.baseline.totals
    assert (totals.meetings, totals.fit, totals.moved, totals.waited, totals.unserved) == (
        16, 16, 0, 0, 0,
    )  # fmt: skip
    board = rows_by_id(result.baseline)[BOARD]
    assert (board.fate, board.capacity, board.meetings, board.fit_in) == ("kept", 12, 8, {BOARD: 8})


def test_splitting_the_boardroom_moves_delays_and_loses_the_big_meetings() -> None:
    result = compare(INVENTORY, parse_plan(SPLIT), MEETINGS, [], max_wait=WAIT, min_group=1)
    totals = result.changed.totals
    # fit: 4, 6 (board-a), 9, 10, 14 (Octo), 11 (huddle), 12, 15 (Focus)
    # moved: 1, 2, 5 to Focus and 8 to board-a (same floor), 13 to Octo (floor 3)
    # waited: 16, 10 minutes for Octo (Focus would have taken 30)
    # unserved: 3 (10 people: no room of 10 is left), 7 (Focus taken by meeting 1)
    assert totals.meetings == 16
    assert (totals.fit, totals.moved, totals.waited, totals.unserved) == (8, 5, 1, 2)
    assert (totals.moved_on_floor, totals.moved_off_floor) == (4, 1)
    assert (totals.wait_minutes_total, totals.wait_minutes_max) == (10.0, 10.0)

    rows = rows_by_id(result.changed)
    board = rows[BOARD]
    assert (board.fate, board.capacity, board.meetings) == ("split", None, 8)
    assert (board.fit, board.moved, board.waited, board.unserved) == (2, 4, 1, 1)
    assert board.fit_in == {"hq-f2-board-a": 2}
    assert board.moved_to == {FOCUS: 3, OCTO: 1}
    focus = rows[FOCUS]
    assert (focus.fit, focus.moved, focus.unserved, focus.moved_to) == (
        2, 1, 1, {"hq-f2-board-a": 1},
    )  # fmt: skip
    # Focus hosts 1, 2, 5 (1 h each), 12 (20 min) and 15 (30 min).
    assert (focus.hosted, focus.hosted_hours) == (5, 3.83)
    part_a, part_b = rows["hq-f2-board-a"], rows["hq-f2-board-b"]
    assert (part_a.fate, part_a.capacity, part_a.meetings, part_a.hosted) == ("part", 6, 0, 3)
    assert part_b.hosted is None and "0 meeting(s) held here" in (part_b.withheld or "")

    diff = result.difference
    assert (diff.fit, diff.moved, diff.waited, diff.unserved) == (-8, 5, 1, 2)
    assert diff.wait_minutes_total == 10.0


def test_a_longer_wait_turns_an_unserved_meeting_into_a_waiting_one() -> None:
    # With 90 minutes, meeting 7 waits for Focus (free at 10:00), 60 minutes, and then
    # holds it until 11:30, so meeting 2 (10:00) cannot have it and waits 20 min for Octo.
    result = compare(
        INVENTORY, parse_plan(SPLIT), MEETINGS, [], max_wait=timedelta(minutes=90), min_group=1
    )
    totals = result.changed.totals
    assert (totals.fit, totals.moved, totals.waited, totals.unserved) == (8, 4, 3, 1)
    assert totals.wait_minutes_max == 60.0


def test_the_result_does_not_depend_on_the_order_of_the_input() -> None:
    plan = parse_plan(SPLIT)
    forward = compare(INVENTORY, plan, MEETINGS, [], max_wait=WAIT)
    backward = compare(INVENTORY, plan, MEETINGS[::-1], [], max_wait=WAIT)
    assert forward == backward


def test_rooms_with_fewer_than_five_meetings_hide_where_they_went() -> None:
    result = compare(INVENTORY, parse_plan(SPLIT), MEETINGS, [], max_wait=WAIT)  # min_group 5
    rows = rows_by_id(result.changed)
    assert rows[BOARD].unserved == 1  # 8 meetings booked there
    octo = rows[OCTO]  # 3 booked there, 5 held there
    assert (octo.fit, octo.moved_to, octo.hosted) == (None, None, 5)
    assert "3 meeting(s) booked here" in (octo.withheld or "")
    assert result.changed.totals.unserved == 2

    few = compare(INVENTORY, parse_plan(SPLIT), MEETINGS[:4], [], max_wait=WAIT)
    assert few.changed.totals.fit is None and few.changed.totals.meetings == 4
    assert few.difference.unserved is None


def test_removing_and_adding_rooms_and_capacity() -> None:
    plan = parse_plan(
        {
            "changes": [
                {"remove_room": FOCUS},
                {"add_room": {"id": "hq-f3-forum", "floor": "hq-f3", "capacity": 10}},
                {"set_capacity": {"room": HUDDLE, "capacity": 2}},
            ]
        }
    )
    result = compare(INVENTORY, plan, MEETINGS, [], max_wait=WAIT, min_group=1)
    rows = rows_by_id(result.changed)
    assert rows[FOCUS].fate == "removed" and rows[FOCUS].fit == 0
    assert rows["hq-f3-forum"].fate == "added"
    assert rows[HUDDLE].fate == "resized"
    # Focus's meetings have no room of their own left: 7 (09:00) goes to the new forum (the
    # boardroom is taken), 8 (14:00) to Octo (the smallest free room of 8), 12 and 15 to the
    # boardroom on their own floor.
    assert rows[FOCUS].moved_to == {BOARD: 2, OCTO: 1, "hq-f3-forum": 1}
    # Octo's own meeting 10 (14:00) then finds Octo taken by 8: on to the forum.
    assert (rows[OCTO].fit, rows[OCTO].moved_to) == (2, {"hq-f3-forum": 1})
    # The huddle's meeting of 3 no longer fits 2 seats; at 10:00 Octo and the forum are
    # taken until 10:20 and 10:30, the boardroom until 11:00: it waits 20 min for Octo.
    huddle = rows[HUDDLE]
    assert (huddle.fit, huddle.moved, huddle.waited, huddle.wait_minutes_max) == (0, 0, 1, 20.0)
    totals = result.changed.totals
    assert (totals.fit, totals.moved, totals.waited, totals.unserved) == (8, 7, 1, 0)


def test_removing_a_floors_desks() -> None:
    day2, day3 = DAY + timedelta(days=1), DAY + timedelta(days=2)
    desk_days = [
        DeskDay("d1", DAY, ((at("09:00"), at("12:00")),)),
        DeskDay("d2", DAY, ((at("10:00"), at("11:00")),)),
        DeskDay("d3", DAY, ((at("13:00"), at("14:00")),)),
        DeskDay("e1", DAY, ((at("09:00"), at("10:00")),)),
        DeskDay("d1", day2, ((at("09:00", day2), at("10:00", day2)),)),
        DeskDay("d2", day3, ()),  # known, and nobody came
    ]
    plan = parse_plan({"changes": [{"remove_desks": {"floor": "hq-f3"}}]})
    result = compare(INVENTORY, plan, [], desk_days, max_wait=WAIT)

    def table(rows: list[DeskRow]) -> dict[str, tuple[int, int, int, int, float | None]]:
        return {r.id: (r.desks, r.days, r.peak_in_use, r.days_over, r.over_share) for r in rows}

    assert table(result.baseline.desk_floors) == {
        "hq-f2": (2, 1, 1, 0, 0.0),
        "hq-f3": (3, 3, 2, 0, 0.0),
    }
    # Floor 3 had 2 desks in use at once on day 1, 1 on day 2, none on day 3.
    assert table(result.changed.desk_floors) == {
        "hq-f2": (2, 1, 1, 0, 0.0),
        "hq-f3": (0, 3, 2, 2, pytest.approx(2 / 3)),
    }
    # Pooled over the building: at most 2 at once (e1 leaves at 10:00 as d2 arrives), and
    # floor 2's two desks cover that on every day.
    assert table(result.changed.desk_buildings) == {"hq": (2, 3, 2, 0, 0.0)}
    assert result.difference.desk_days_over == 2


def test_most_at_once_counts_touching_stretches_once() -> None:
    assert most_at_once([]) == 0
    assert most_at_once([(at("09:00"), at("10:00")), (at("10:00"), at("11:00"))]) == 1
    assert most_at_once([(at("09:00"), at("10:00")), (at("09:59"), at("11:00"))]) == 2


def test_a_room_diary_finds_the_first_free_start() -> None:
    diary = RoomDiary()
    diary.take(at("09:00"), at("10:00"))
    diary.take(at("10:15"), at("11:00"))
    hour = timedelta(hours=1)
    assert diary.is_free(at("08:00"), at("09:00")) and not diary.is_free(at("08:30"), at("09:01"))
    # 10:00-10:15 is too short for an hour; 11:00 is the first start that works.
    assert diary.first_free(at("09:30"), hour, at("11:00")) == at("11:00")
    assert diary.first_free(at("09:30"), hour, at("10:59")) is None
    assert diary.first_free(at("09:30"), timedelta(minutes=15), at("10:30")) == at("10:00")
