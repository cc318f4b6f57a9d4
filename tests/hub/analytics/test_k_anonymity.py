"""k-anonymity in every path a people-derived figure leaves the hub by: one world with a
group of 5 and a group of 4, and each output shows the first and withholds the second.

Monday 2026-01-05 (Berlin): Aurora had five held meetings with a sensor head count (3, 5,
4, 6, 2 people), Borealis four (2 each). Paths: the analytics API (right-sizing), a report
and its CSV, the what-if sandbox, the time-series points, and one meeting's head count in
the bookings API (a record, shown only to whoever sees the booking's details).
"""

import csv
import io
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.analytics.k_anonymity import MIN_GROUP, shown, withheld
from hub.analytics.rollups import refresh_rollups
from hub.db.models import Booking, BookingOccurrence
from hub.reports.build import build_report
from hub.reports.scope import Audience
from hub.timeseries.org import OrgIndex
from hub.timeseries.people import PeopleDailySource
from hub.timeseries.sources import ReadContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_world import Hub, running_hub

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 1, 5)
FIVE, FOUR = "hq-f1-aurora", "hq-f1-borealis"
ORGANIZER = "olga"


def at(hour: int) -> datetime:
    return datetime.combine(MONDAY, time(hour), tzinfo=BERLIN).astimezone(UTC)


def add_meeting(hub: Hub, ident: str, room: str, hour: int, people: int) -> None:
    with hub.session() as session:
        session.add(
            Booking(
                id=ident, space_kind="room", space_id=room, organizer_id=ORGANIZER,
                title="Planning", starts_at=at(hour), ends_at=at(hour) + timedelta(minutes=45),
                timezone="Europe/Berlin", source="api", created_at=at(0), updated_at=at(0),
            )
        )  # fmt: skip
        session.flush()
        session.add(
            BookingOccurrence(
                booking_id=ident, space_kind="room", space_id=room, starts_at=at(hour),
                ends_at=at(hour) + timedelta(minutes=45), state="ended",
                checked_in_at=at(hour), check_in_method="occupancy", peak_people=people,
            )
        )  # fmt: skip


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with running_hub(tmp_path_factory.mktemp("kanon")) as running:
        running.add_user(ORGANIZER, "member", None)
        running.add_user("mo", "member", None)
        for i, people in enumerate([3, 5, 4, 6, 2]):
            add_meeting(running, f"five-{i}", FIVE, 9 + i, people)
        for i in range(4):
            add_meeting(running, f"four-{i}", FOUR, 9 + i, 2)
        with running.session() as session:
            refresh_rollups(session, running.clock.now())
        yield running


def test_the_rule() -> None:
    assert MIN_GROUP == 5
    assert (shown(4), shown(5)) == (False, True)
    assert withheld(5, "meeting(s)") is None
    assert withheld(4, "meeting(s)") == (
        "4 meeting(s); figures about people are shown only for at least 5"
    )


def test_analytics_api(hub: Hub) -> None:
    body = hub.ok("/analytics/right-sizing", params={"from": "2026-01-05", "to": "2026-01-06"})
    rows = {r["room_id"]: r for r in body["rows"]}
    assert (rows[FIVE]["median_people"], rows[FIVE]["p80_people"], rows[FIVE]["withheld"]) == (
        4.0, 5, None,
    )  # fmt: skip
    assert rows[FOUR]["meetings"] == 4
    assert rows[FOUR]["median_people"] is None and rows[FOUR]["recommendation"] is None
    assert "at least 5" in rows[FOUR]["withheld"]


def test_report_and_its_csv(hub: Hub) -> None:
    with hub.session() as session:
        built = build_report(
            session, period="daily", day=MONDAY, audience=Audience("all"), now=hub.clock.now()
        )
    rows = {r["space_id"]: r for r in csv.DictReader(io.StringIO(built.csv().decode()))}
    five, four = rows[FIVE], rows[FOUR]
    assert (five["meetings"], five["peak_people"], five["median_people"]) == ("5", "6", "4.0")
    assert (four["meetings"], four["peak_people"], four["median_people"]) == ("4", "", "")
    assert four["recommendation"] == ""


def test_sandbox(hub: Hub) -> None:
    plan = {"changes": [{"set_capacity": {"room": "hq-f2-cosmos", "capacity": 10}}]}
    response = hub.request(
        "POST", "/sandbox/runs", json=plan, params={"from": "2026-01-05", "to": "2026-01-06"}
    )
    assert response.status_code == 200, response.text
    rows = {r["room_id"]: r for r in response.json()["changed"]["rooms"]}
    assert (rows[FIVE]["fit"], rows[FIVE]["withheld"]) == (5, None)
    assert rows[FOUR]["fit"] is None and "4 meeting(s) booked here" in rows[FOUR]["withheld"]


def test_time_series_points(hub: Hub) -> None:
    with hub.session() as session:
        ctx = ReadContext(hub.clock.now(), 0.0, OrgIndex.load(session), 100, timedelta(hours=1))
        batch = PeopleDailySource().read(session, 0, ctx)
    assert [(p.tags["space_id"], p.ts, p.fields) for p in batch.points] == [
        (FIVE, at(0), {"meetings": 5, "peak": 6, "median": 4.0})
    ]
    assert batch.cursor == MONDAY.toordinal()


def test_one_meetings_head_count_only_with_the_bookings_details(hub: Hub) -> None:
    params = {"start": at(0).isoformat(), "end": at(23).isoformat()}
    slots = {
        user: {s["booking_id"]: s for s in hub.ok(f"/rooms/{FOUR}/bookings", user, params=params)}
        for user in ("admin", ORGANIZER, "mo")
    }
    assert slots["admin"]["four-0"]["peak_people"] == 2
    assert slots[ORGANIZER]["four-0"]["peak_people"] == 2
    other = slots["mo"]["four-0"]  # another member: a busy slot, no head count
    assert (other["details_visible"], other["peak_people"]) == (False, None)
    assert hub.ok("/bookings/four-0/occurrences", ORGANIZER)[0]["peak_people"] == 2
    assert hub.ok("/bookings/four-0/occurrences", "mo")[0]["peak_people"] is None
