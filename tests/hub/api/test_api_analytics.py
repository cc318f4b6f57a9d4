"""The booked-against-used endpoints through the real app: figures, scoping, the group-size
threshold for people, and bad input.

Monday 2026-01-05 (Berlin, UTC+1): Aurora (shared) occupied 10:00-11:00; Cosmos (exec)
occupied 10:00-12:00; Borealis (shared, 4 seats) has a one-person meeting (organizer only,
checked in through the API, no sensor data) every day Monday to Friday the week before and
on Monday: 6 meetings from Monday 2025-12-29.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from api_world import NOW, Hub, user_id

from hub.analytics.rollups import refresh_rollups
from hub.db.models import Booking, BookingOccurrence

BERLIN = ZoneInfo("Europe/Berlin")
MON = date(2026, 1, 5)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def analytics_hub(people: Hub) -> Hub:
    hub = people
    hub.add_changes(
        "room", "hq-f1-aurora", "term-hq-f1-aurora",
        (local(MON, 7), False), (local(MON, 10), True), (local(MON, 11), False),
    )  # fmt: skip
    hub.add_changes(
        "room", "hq-f2-cosmos", "term-hq-f2-cosmos",
        (local(MON, 7), False), (local(MON, 10), True), (local(MON, 12), False),
    )  # fmt: skip
    hub.set_state("room", "hq-f1-aurora", False, local(MON, 11))
    organizer = user_id("member", "engineering")
    with hub.session() as session:
        for i, day in enumerate(MON - timedelta(7) + timedelta(n) for n in (0, 1, 2, 3, 4, 7)):
            bid = f"borealis-{i}"
            session.add(
                Booking(
                    id=bid, space_kind="room", space_id="hq-f1-borealis", organizer_id=organizer,
                    title="1:1", starts_at=local(day, 14), ends_at=local(day, 15),
                    timezone="Europe/Berlin", source="api", created_at=local(day, 8),
                    updated_at=local(day, 8),
                )
            )  # fmt: skip
            session.flush()
            session.add(
                BookingOccurrence(
                    booking_id=bid, space_kind="room", space_id="hq-f1-borealis",
                    starts_at=local(day, 14), ends_at=local(day, 15), state="ended",
                    checked_in_at=local(day, 14), check_in_method="api",
                )
            )  # fmt: skip
    with hub.session() as session:
        refresh_rollups(session, NOW)
    return hub


def test_rooms_with_live_state(analytics_hub: Hub) -> None:
    body = analytics_hub.ok("/analytics/rooms", params={"from": "2026-01-05", "to": "2026-01-06"})
    rows = {row["id"]: row for row in body["rows"]}
    assert set(rows) == {"hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos", "hq-f2-east"}
    aurora = rows["hq-f1-aurora"]
    assert aurora["figures"]["occupied_hours"] == 1
    assert aurora["figures"]["unbooked_occupied_hours"] == 1
    assert aurora["live"] == {"occupied": False, "since": "2026-01-05T10:00:00+00:00"}
    assert rows["hq-f2-cosmos"]["figures"]["occupied_hours"] == 2
    assert rows["hq-f1-borealis"]["figures"]["meetings"] == 1
    assert body["as_of"] == NOW.isoformat()


def test_facilities_see_their_department_and_shared_spaces(analytics_hub: Hub) -> None:
    user = user_id("facilities", "engineering")
    params = {"from": "2026-01-05", "to": "2026-01-06"}
    rooms = analytics_hub.ok("/analytics/rooms", user, params=params)
    assert {r["id"] for r in rooms["rows"]} == {"hq-f1-aurora", "hq-f1-borealis", "hq-f2-east"}
    floors = analytics_hub.ok("/analytics/floors", user, params=params)["rows"]
    by_floor = {r["key"]: r["figures"]["occupied_hours"] for r in floors}
    assert by_floor["hq-main-f1"] == 1
    assert by_floor.get("hq-main-f2", 0) == 0  # Cosmos (exec) is not summed in
    admin_floors = analytics_hub.ok("/analytics/floors", params=params)["rows"]
    assert {r["key"]: r["figures"]["occupied_hours"] for r in admin_floors}["hq-main-f2"] == 2
    buildings = analytics_hub.ok("/analytics/buildings", user, params=params)["rows"]
    assert [r["figures"]["occupied_hours"] for r in buildings] == [1]
    heat = analytics_hub.ok("/analytics/heatmap", user, params=params)["heatmap"]
    assert heat["occupied_share"][0][10] > 0 and heat["occupied_share"][0][11] == 0
    hidden = analytics_hub.get("/analytics/rooms", user, params={"room_id": "hq-f2-cosmos"})
    assert hidden.status_code == 404


def test_right_sizing_only_for_five_meetings_or_more(analytics_hub: Hub) -> None:
    def borealis(first: str, last: str) -> dict[str, object]:
        body = analytics_hub.ok(
            "/analytics/right-sizing",
            params={"from": first, "to": last, "room_id": "hq-f1-borealis"},
        )
        assert body["min_group"] == 5
        [row] = body["rows"]
        return row

    four = borealis("2025-12-29", "2026-01-02")
    assert four["meetings"] == 4
    assert four["median_people"] is None and four["recommendation"] is None
    assert "at least 5" in four["withheld"]
    five = borealis("2025-12-29", "2026-01-03")
    assert (five["meetings"], five["withheld"], five["people_source"]) == (5, None, "attendees")
    assert five["recommendation"] == "downsize"
    assert five["message"] == "4-seat room used by 1 or fewer people in 100% of its meetings"


def test_desks(analytics_hub: Hub) -> None:
    body = analytics_hub.ok("/analytics/desks", params={"from": "2026-01-05", "to": "2026-01-06"})
    assert len(body["rows"]) == 6
    assert body["summary"]["desks"] == 6
    assert body["summary"]["idle_rate"] is None  # no desk reported anything
    assert len(body["summary"]["no_data"]) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-01-05", "to": "2026-01-05"},
        {"from": "2026-01-05", "to": "2027-03-01"},
        {"from": "yesterday"},
        {"to": "0001-01-02"},
        {"from": "9999-12-31"},
        {"kind": "chair"},
        {"by_day": "perhaps"},
    ],
)
def test_bad_input_is_a_clear_422(analytics_hub: Hub, params: dict[str, str]) -> None:
    response = analytics_hub.get("/analytics/floors", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
