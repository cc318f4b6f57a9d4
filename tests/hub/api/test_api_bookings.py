"""Bookings through the real app: who may book what, privacy, import and the ICS feed.

Times: the hub's clock says Tuesday 2026-01-06 12:00 UTC (13:00 in Berlin).
"""

from typing import Any

import pytest
from api_world import Hub, auth
from icalendar import Calendar

from hub.api.calendars import get_ical_fetcher
from hub.bookings.errors import BookingError

AURORA = "hq-f1-aurora"  # shared
COSMOS = "hq-f2-cosmos"  # exec's
DESK = "hq-f2-e01"  # engineering's desk area


def body(space_id: str = AURORA, kind: str = "room", **extra: Any) -> dict[str, Any]:
    return {
        "space_kind": kind,
        "space_id": space_id,
        "title": "Quarterly planning",
        "starts_at": "2026-01-07T09:00:00+01:00",
        "ends_at": "2026-01-07T10:00:00+01:00",
        **extra,
    }


def book(hub: Hub, user: str, **kwargs: Any) -> dict[str, Any]:
    response = hub.request("POST", "/bookings", user, json=body(**kwargs))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_member_books_a_shared_room_and_sees_it(people: Hub) -> None:
    made = book(people, "member-exec", attendees=["member-engineering"])
    assert made["organizer_id"] == "member-exec" and made["details_visible"]
    assert made["timezone"] == "Europe/Berlin"
    (occurrence,) = made["occurrences"]
    assert occurrence["state"] == "booked"
    assert occurrence["starts_at"] == "2026-01-07T08:00:00+00:00"
    assert occurrence["checked_in_at"] is None and occurrence["release_reason"] is None
    got = people.ok(f"/bookings/{made['id']}", "member-exec")
    assert got["title"] == "Quarterly planning"
    mine = people.ok("/bookings", "member-exec", params={"mine": "true"})
    assert [b["id"] for b in mine] == [made["id"]]
    # An attendee sees the details too.
    assert people.ok(f"/bookings/{made['id']}", "member-engineering")["title"] == made["title"]


def test_members_book_only_their_department_and_shared_spaces(people: Hub) -> None:
    book(people, "member-exec", space_id=COSMOS)
    refused = people.request("POST", "/bookings", "member-engineering", json=body(COSMOS))
    assert refused.status_code == 404
    assert refused.json() == {"detail": "room 'hq-f2-cosmos' not found"}
    book(people, "member-engineering", space_id=DESK, kind="desk")
    desk = people.request("POST", "/bookings", "member-exec", json=body(DESK, kind="desk"))
    assert desk.status_code == 404
    display = people.request("POST", "/bookings", "display-exec", json=body())
    assert display.status_code == 403


def test_only_admins_book_for_someone_else(people: Hub) -> None:
    refused = people.request(
        "POST", "/bookings", "member-exec", json=body(organizer_id="member-engineering")
    )
    assert refused.status_code == 403
    made = book(people, "admin", organizer_id="member-engineering")
    assert made["organizer_id"] == "member-engineering"


def test_a_conflict_is_a_409_without_the_other_title(people: Hub) -> None:
    first = book(people, "member-exec", title="Secret merger talks")
    clash = people.request(
        "POST",
        "/bookings",
        "member-engineering",
        json=body(starts_at="2026-01-07T09:30:00+01:00", ends_at="2026-01-07T11:00:00+01:00"),
    )
    assert clash.status_code == 409
    assert first["id"] in clash.json()["detail"] and "2026-01-07T08:00:00+00:00" in clash.text
    assert "Secret" not in clash.text
    back_to_back = people.request(
        "POST",
        "/bookings",
        "member-engineering",
        json=body(starts_at="2026-01-07T10:00:00+01:00", ends_at="2026-01-07T11:00:00+01:00"),
    )
    assert back_to_back.status_code == 201, back_to_back.text


def test_other_members_see_busy_slots_only(people: Hub) -> None:
    made = book(people, "member-exec", title="Secret merger talks", attendees=["facilities-exec"])
    params = {"start": "2026-01-07T00:00:00+01:00", "end": "2026-01-08T00:00:00+01:00"}
    for user in ("member-engineering",):
        (slot,) = people.ok(f"/rooms/{AURORA}/bookings", user, params=params)
        assert slot["booking_id"] == made["id"] and slot["state"] == "booked"
        assert slot["title"] is None and slot["organizer_id"] is None
        assert not slot["details_visible"]
        seen = people.ok(f"/bookings/{made['id']}", user)
        assert seen["title"] is None and seen["attendees"] == [] and seen["organizer_id"] is None
        assert "Secret" not in people.get("/bookings", user, params=params).text
    for user in ("display-engineering", "facilities-engineering", "admin", "member-exec"):
        (slot,) = people.ok(f"/rooms/{AURORA}/bookings", user, params=params)
        assert slot["title"] == "Secret merger talks", user


def test_the_day_view_defaults_to_today_local(people: Hub) -> None:
    today = book(
        people,
        "member-exec",
        starts_at="2026-01-06T22:00:00+01:00",
        ends_at="2026-01-06T23:00:00+01:00",
    )
    book(people, "member-exec")  # tomorrow
    slots = people.ok(f"/rooms/{AURORA}/bookings", "display-exec")
    assert [s["booking_id"] for s in slots] == [today["id"]]


def test_hidden_rooms_are_404_in_day_views(people: Hub) -> None:
    assert people.get(f"/rooms/{COSMOS}/bookings", "member-engineering").status_code == 404
    assert people.get(f"/rooms/{COSMOS}/bookings", "display-exec").status_code == 200
    assert people.get(f"/desks/{DESK}/bookings", "member-exec").status_code == 404
    assert people.get(f"/desks/{DESK}/bookings", "member-engineering").status_code == 200


def test_bookings_in_hidden_rooms_are_404(people: Hub) -> None:
    made = book(people, "member-exec", space_id=COSMOS)
    assert people.get(f"/bookings/{made['id']}", "member-engineering").status_code == 404
    assert people.get(f"/bookings/{made['id']}", "facilities-engineering").status_code == 404
    listed = people.ok("/bookings", "member-engineering")
    assert made["id"] not in {b["id"] for b in listed}


def test_only_the_organizer_facilities_and_admins_change_or_cancel(people: Hub) -> None:
    made = book(people, "member-exec")
    path = f"/bookings/{made['id']}"
    assert (
        people.request("PATCH", path, "member-engineering", json={"title": "x"}).status_code == 403
    )
    assert people.request("DELETE", path, "member-engineering").status_code == 403
    changed = people.request("PATCH", path, "member-exec", json={"title": "Renamed"})
    assert changed.status_code == 200 and changed.json()["title"] == "Renamed"
    moved = people.request(
        "PATCH",
        path,
        "facilities-engineering",  # the room is shared: in every department's scope
        json={"starts_at": "2026-01-07T11:00:00+01:00", "ends_at": "2026-01-07T11:30:00+01:00"},
    )
    assert moved.status_code == 200, moved.text
    assert [o["starts_at"] for o in moved.json()["occurrences"]] == ["2026-01-07T10:00:00+00:00"]
    cancelled = people.request("DELETE", path, "member-exec", params={"reason": "not needed"})
    assert cancelled.status_code == 200
    assert cancelled.json()["cancelled_at"] == "2026-01-06T12:00:00+00:00"
    assert [o["state"] for o in cancelled.json()["occurrences"]] == ["cancelled"]
    assert people.request("DELETE", path, "admin").status_code == 409
    assert people.ok("/bookings", "member-exec") == []
    assert len(people.ok("/bookings", "member-exec", params={"include_cancelled": "true"})) == 1


def test_cancelling_one_occurrence_of_a_series(people: Hub) -> None:
    made = book(people, "member-exec", rrule="FREQ=DAILY;COUNT=3")
    second = made["occurrences"][1]
    path = f"/bookings/{made['id']}/occurrences/{second['id']}"
    assert people.request("DELETE", path, "member-exec").status_code == 200
    states = [o["state"] for o in people.ok(f"/bookings/{made['id']}/occurrences", "member-exec")]
    assert states == ["booked", "cancelled", "booked"]
    assert people.request("DELETE", path, "member-exec").status_code == 409
    other = f"/bookings/{made['id']}/occurrences/999999"
    assert people.request("DELETE", other, "member-exec").status_code == 404


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"ends_at": "2026-01-07T08:00:00+01:00"}, 422),  # before the start
        ({"rrule": "FREQ=MINUTELY"}, 422),
        ({"rrule": "FREQ=BOGUS"}, 422),
        ({"timezone": "Nowhere/Land"}, 422),
        ({"starts_at": "0001-01-01T00:00:00+01:00"}, 422),
        ({"starts_at": "2026-01-07T09:00:00"}, 422),  # no offset
        ({"attendees": ["nobody"]}, 422),
        ({"space_id": "no-such-room"}, 404),
        ({"space_kind": "floor"}, 422),
        ({"unknown": 1}, 422),
    ],
)
def test_bad_bookings_are_4xx_with_a_message(
    people: Hub, change: dict[str, Any], status: int
) -> None:
    response = people.request("POST", "/bookings", "member-exec", json=body(**change))
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_the_list_filters(people: Hub) -> None:
    a = book(people, "member-exec")
    b = book(people, "member-engineering", space_id="hq-f1-borealis")
    listed = people.ok("/bookings", "admin", params={"room_id": "hq-f1-borealis"})
    assert [x["id"] for x in listed] == [b["id"]]
    assert [
        x["id"] for x in people.ok("/bookings", "admin", params={"organizer_id": "member-exec"})
    ] == [a["id"]]
    later = {"start": "2026-02-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}
    assert people.ok("/bookings", "admin", params=later) == []
    bad = people.get(
        "/bookings",
        "admin",
        params={"start": "2026-03-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"},
    )
    assert bad.status_code == 422


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
BEGIN:VEVENT\r
UID:evt-1@example.com\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Imported review\r
DTSTART;TZID=Europe/Berlin:20260108T140000\r
DTEND;TZID=Europe/Berlin:20260108T150000\r
RRULE:FREQ=WEEKLY;COUNT=3\r
EXDATE;TZID=Europe/Berlin:20260115T140000\r
END:VEVENT\r
END:VCALENDAR\r
"""


def post_ics(hub: Hub, user: str, params: dict[str, str], content: bytes) -> Any:
    headers = {**auth(hub.tokens[user]), "Content-Type": "text/calendar"}
    return hub.client.post(
        "/api/v1/booking-imports", params=params, content=content, headers=headers
    )


def test_import_a_file_then_again_by_url(people: Hub) -> None:
    params = {"space_kind": "room", "space_id": AURORA}
    first = post_ics(people, "facilities-exec", params, ICS)
    assert first.status_code == 200, first.text
    report = first.json()
    assert [i["uid"] for i in report["created"]] == ["evt-1@example.com"]
    booking = people.ok(f"/bookings/{report['created'][0]['booking_id']}")
    assert [o["starts_at"] for o in booking["occurrences"]] == [
        "2026-01-08T13:00:00+00:00",
        "2026-01-22T13:00:00+00:00",
    ]
    assert booking["source"] == "ical" and booking["organizer_id"] == "facilities-exec"

    people.app.dependency_overrides[get_ical_fetcher] = lambda: lambda url: ICS
    try:
        again = people.request(
            "POST", "/booking-imports", "admin", params=params, json={"url": "https://x/c.ics"}
        )
    finally:
        people.app.dependency_overrides.pop(get_ical_fetcher)
    assert again.status_code == 200, again.text
    assert [i["uid"] for i in again.json()["unchanged"]] == ["evt-1@example.com"]
    assert len(people.ok("/bookings", params={"room_id": AURORA})) == 1


def test_import_errors_are_4xx_and_change_nothing(people: Hub) -> None:
    params = {"space_kind": "room", "space_id": AURORA}
    broken = post_ics(people, "admin", params, b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n")
    assert broken.status_code == 422 and "not a valid iCalendar" in broken.text

    def unreachable(url: str) -> bytes:
        raise BookingError(f"could not fetch {url}: ConnectError")

    people.app.dependency_overrides[get_ical_fetcher] = lambda: unreachable
    try:
        failed = people.request(
            "POST", "/booking-imports", params=params, json={"url": "https://x"}
        )
    finally:
        people.app.dependency_overrides.pop(get_ical_fetcher)
    assert failed.status_code == 422 and "could not fetch" in failed.text
    assert people.request("POST", "/booking-imports", params=params, json={}).status_code == 422
    other_department = post_ics(
        people, "facilities-engineering", {"space_kind": "room", "space_id": COSMOS}, ICS
    )
    assert other_department.status_code == 404
    assert people.ok("/bookings", params={"include_cancelled": "true"}) == []


def test_the_feed_serves_ics_until_revoked(people: Hub) -> None:
    made = book(people, "member-exec", title="Board prep")
    created = people.request(
        "POST",
        "/calendar-feeds",
        "facilities-exec",
        json={"space_kind": "room", "space_id": AURORA},
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    assert feed["url"].endswith(f"/calendar/{feed['token']}.ics")
    # No bearer token: the one in the URL is the permission.
    response = people.client.get(f"/calendar/{feed['token']}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["Board prep"]
    assert str(events[0]["UID"]).startswith(made["id"])
    assert "token" not in people.ok("/calendar-feeds", "facilities-exec")[0]

    assert people.client.get("/calendar/not-a-token.ics").status_code == 404
    # Facilities of another department may not revoke it if the space were theirs only;
    # the room is shared, so they may. Admin revokes here.
    assert people.request("DELETE", f"/calendar-feeds/{feed['id']}").status_code == 200
    assert people.client.get(f"/calendar/{feed['token']}.ics").status_code == 404


def test_feeds_of_hidden_spaces_are_404(people: Hub) -> None:
    refused = people.request(
        "POST",
        "/calendar-feeds",
        "facilities-engineering",
        json={"space_kind": "room", "space_id": COSMOS},
    )
    assert refused.status_code == 404
    created = people.request(
        "POST",
        "/calendar-feeds",
        "facilities-exec",
        json={"space_kind": "room", "space_id": COSMOS},
    ).json()
    gone = people.request("DELETE", f"/calendar-feeds/{created['id']}", "facilities-engineering")
    assert gone.status_code == 404
    assert people.ok("/calendar-feeds", "facilities-engineering") == []
