"""Occupancy history and utilization through the API, on hand-made data.

Aurora (Europe/Berlin, working hours 08:00-18:00) on Monday 2026-01-05: vacant
from 08:00 local, occupied 10:00-11:30, vacant after. The clock stands at
Tuesday 13:00 local.
"""

from datetime import UTC, datetime

import pytest
from api_world import EAST_DESKS, Hub

MONDAY_LOCAL = {"start": "2026-01-05T00:00:00+01:00", "end": "2026-01-06T00:00:00+01:00"}


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, 5, hour, minute, tzinfo=UTC)


@pytest.fixture
def monday(people: Hub) -> Hub:
    people.add_changes(
        "room",
        "hq-f1-aurora",
        "term-hq-f1-aurora",
        (utc(7), False),
        (utc(9), True),
        (utc(10, 30), False),
    )
    people.add_changes(
        "desk",
        "hq-f2-e03",
        "term-hq-f2-east-desks",
        (utc(7), False),
        (utc(8), True),
        (utc(12), False),
    )
    return people


def test_history_has_segments_and_the_raw_changes(monday: Hub) -> None:
    body = monday.ok(
        "/rooms/hq-f1-aurora/occupancy",
        params={"start": "2026-01-05T08:00:00+01:00", "end": "2026-01-05T18:00:00+01:00"},
    )
    assert body["start"] == "2026-01-05T07:00:00+00:00"
    assert [(s["start"][11:16], s["end"][11:16], s["state"]) for s in body["segments"]] == [
        ("07:00", "09:00", "vacant"),
        ("09:00", "10:30", "occupied"),
        ("10:30", "17:00", "vacant"),
    ]
    assert body["occupied_s"] == 5400
    assert body["unknown_s"] == 0
    assert [(c["ts"], c["occupied"], c["initial"]) for c in body["changes"]] == [
        ("2026-01-05T07:00:00+00:00", False, True),
        ("2026-01-05T09:00:00+00:00", True, False),
        ("2026-01-05T10:30:00+00:00", False, False),
    ]
    assert body["changes"][1]["signals"] == ["pir"]
    assert body["changes_truncated"] is False


def test_history_defaults_to_the_last_24_hours(monday: Hub) -> None:
    body = monday.ok("/rooms/hq-f1-aurora/occupancy")
    assert (body["start"], body["end"]) == (
        "2026-01-05T12:00:00+00:00",
        "2026-01-06T12:00:00+00:00",
    )
    # The state carried in from before the range: vacant since 10:30.
    assert [s["state"] for s in body["segments"]] == ["vacant"]
    assert body["changes"] == []


def test_desk_history(monday: Hub) -> None:
    body = monday.ok("/desks/hq-f2-e03/occupancy", "facilities-engineering", params=MONDAY_LOCAL)
    assert body["occupied_s"] == 4 * 3600
    assert (
        monday.get("/desks/hq-f2-e03/occupancy", "facilities-exec", params=MONDAY_LOCAL).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start": "2026-01-05T10:00:00+00:00", "end": "2026-01-05T09:00:00+00:00"},
            "must be before",
        ),
        (
            {"start": "2026-01-05T10:00:00+00:00", "end": "2026-01-05T10:00:00+00:00"},
            "must be before",
        ),
        ({"start": "2026-01-05T10:00:00"}, "no UTC offset"),
        ({"end": "yesterday"}, "not an ISO-8601 time"),
        ({"start": "2026-13-45T10:00:00Z"}, "not an ISO-8601 time"),
        ({"start": "2020-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "days"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/rooms/hq-f1-aurora/occupancy", "/desks/hq-f2-e01/occupancy", "/utilization"]
)
def test_bad_ranges_are_422_with_a_clear_message(
    hub: Hub, path: str, params: dict[str, str], message: str
) -> None:
    response = hub.get(path, params=params)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_an_unencoded_plus_in_the_offset_is_understood(monday: Hub) -> None:
    # A client that forgets to encode '+' sends a space; we put the plus back.
    url = (
        "/rooms/hq-f1-aurora/occupancy"
        "?start=2026-01-05T08:00:00+01:00&end=2026-01-05T18:00:00+01:00"
    )
    response = monday.get(url)
    assert response.status_code == 200, response.text
    assert response.json()["start"] == "2026-01-05T07:00:00+00:00"


def test_utilization_by_room_is_exact(monday: Hub) -> None:
    body = monday.ok("/utilization", params={**MONDAY_LOCAL, "group_by": "room"})
    rows = {r["key"]: r for r in body["rows"]}
    assert set(rows) == {"hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos", "hq-f2-east"}
    aurora = rows["hq-f1-aurora"]
    assert aurora["working_hours"] == 10
    assert aurora["occupied_hours"] == 1.5
    assert aurora["utilization"] == pytest.approx(0.15)
    assert rows["hq-f1-borealis"]["utilization"] is None  # no data is not "empty"
    assert body["start"] == "2026-01-04T23:00:00+00:00"
    assert body["now"] == "2026-01-06T12:00:00+00:00"


def test_utilization_only_covers_what_the_caller_may_see(monday: Hub) -> None:
    exec_rooms = monday.ok(
        "/utilization", "facilities-exec", params={**MONDAY_LOCAL, "group_by": "room"}
    )
    assert {r["key"] for r in exec_rooms["rows"]} == {
        "hq-f1-aurora",
        "hq-f1-borealis",
        "hq-f2-cosmos",
    }
    exec_desks = monday.ok(
        "/utilization", "facilities-exec", params={**MONDAY_LOCAL, "group_by": "desk"}
    )
    assert exec_desks["rows"] == []
    assert exec_desks["desk_ids"] == []
    assert exec_desks["total"]["occupied_hours"] == 0
    eng_desks = monday.ok(
        "/utilization", "facilities-engineering", params={**MONDAY_LOCAL, "group_by": "desk"}
    )
    assert {r["key"] for r in eng_desks["rows"]} == EAST_DESKS
    for group_by in ("room", "desk", "floor", "day"):
        text = monday.get(
            "/utilization", "facilities-exec", params={**MONDAY_LOCAL, "group_by": group_by}
        ).text
        assert "hq-f2-east" not in text and "hq-f2-e0" not in text


def test_utilization_filters(monday: Hub) -> None:
    params = {**MONDAY_LOCAL, "group_by": "room", "room_id": ["hq-f1-aurora", "hq-f2-cosmos"]}
    assert [r["key"] for r in monday.ok("/utilization", params=params)["rows"]] == [
        "hq-f1-aurora",
        "hq-f2-cosmos",
    ]
    floor = monday.ok(
        "/utilization", params={**MONDAY_LOCAL, "group_by": "floor", "floor_id": "hq-main-f1"}
    )
    assert [r["key"] for r in floor["rows"]] == ["hq-main-f1"]
    assert floor["rows"][0]["occupied_hours"] == 1.5
    days = monday.ok(
        "/utilization", params={**MONDAY_LOCAL, "group_by": "day", "room_id": "hq-f1-aurora"}
    )
    assert [r["date"] for r in days["rows"]] == ["2026-01-05"]
    one_desk = monday.ok(
        "/utilization", params={**MONDAY_LOCAL, "group_by": "desk", "desk_id": "hq-f2-e03"}
    )
    assert [(r["key"], r["occupied_hours"]) for r in one_desk["rows"]] == [("hq-f2-e03", 4)]


@pytest.mark.parametrize(
    ("caller", "params"),
    [
        ("facilities-exec", {"room_id": "hq-f2-east"}),
        ("facilities-exec", {"desk_id": "hq-f2-e01"}),
        ("facilities-engineering", {"room_id": "hq-f2-cosmos"}),
        ("admin", {"room_id": "no-such-room"}),
    ],
)
def test_utilization_of_a_hidden_space_is_404(
    monday: Hub, caller: str, params: dict[str, str]
) -> None:
    response = monday.get("/utilization", caller, params={**MONDAY_LOCAL, **params})
    assert response.status_code == 404
    assert "not found" in response.text


def test_utilization_rejects_an_unknown_grouping(hub: Hub) -> None:
    response = hub.get("/utilization", params={"group_by": "building"})
    assert response.status_code == 422
    assert "room" in response.text
