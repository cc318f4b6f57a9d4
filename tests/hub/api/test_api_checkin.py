"""Check-in, release, decisions and notices through the real app (fake clock).

The bookings loop is off in API tests (api_world); a look at the bookings is made here
by calling it on the app's own database, as the loop would.
"""

import sys
from datetime import datetime, timedelta
from pathlib import Path

from api_world import NOW, Hub
from sqlalchemy import select

from hub.checkin.engine import run_once
from hub.checkin.policy import CheckInPolicy
from hub.db.models import Booking, BookingOccurrence

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "checkin"))
from checkin_builders import add_booking, add_change

ROOM, TERMINAL = "hq-f1-aurora", "term-hq-f1-aurora"
START = NOW + timedelta(minutes=30)  # 12:30 UTC


def booking_for(hub: Hub, organizer: str, start: datetime = START) -> Booking:
    with hub.session() as session:
        booking = add_booking(
            session,
            start,
            start + timedelta(hours=1),
            organizer=organizer,
            space=("room", ROOM),
            created=NOW,
        )
        add_change(session, NOW - timedelta(hours=1), False)
        session.expunge(booking)
    return booking


def look(hub: Hub) -> list[str]:
    with hub.session() as session:
        return [d.kind for d in run_once(session, hub.clock.now(), CheckInPolicy()).decisions]


def test_a_late_check_in_through_the_api_undoes_a_no_show_release(people: Hub) -> None:
    booking = booking_for(people, "member-engineering")
    people.clock.set_wall(START + timedelta(minutes=10))
    assert look(people) == ["released_no_show"]

    people.clock.set_wall(START + timedelta(minutes=20))
    made_at = (START + timedelta(minutes=4)).isoformat()  # sent while the hub was unreachable
    answer = people.request(
        "POST",
        f"/rooms/{ROOM}/check-in",
        "display-engineering",
        json={"at": made_at, "method": "display"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "checked_in"
    assert body["checked_in_at"] == made_at
    assert [d["kind"] for d in body["decisions"]] == ["release_undone"]

    trail = people.ok(f"/bookings/{booking.id}/decisions", "member-engineering")
    assert [d["kind"] for d in trail] == ["released_no_show", "release_undone"]
    assert "seen empty" in trail[0]["explanation"]
    assert trail[0]["effective_at"] == (START + timedelta(minutes=10)).isoformat()
    notices = people.ok("/me/notifications", "member-engineering")
    assert [n["kind"] for n in notices] == ["release_undone", "released_no_show"]


def test_who_may_check_in(people: Hub) -> None:
    booking_for(people, "member-engineering")
    people.clock.set_wall(START + timedelta(minutes=1))

    def check_in(user: str) -> int:
        return people.request("POST", f"/rooms/{ROOM}/check-in", user, json={}).status_code

    assert check_in("member-exec") == 404  # not theirs
    assert check_in("device-engineering") == 404  # not a terminal of this room
    assert check_in("member-engineering") == 200
    assert check_in("display-exec") == 200  # aurora is a shared room: every display sees it


def test_a_terminal_account_checks_in_to_its_own_room(people: Hub) -> None:
    people.add_user(TERMINAL, "device", None)
    booking_for(people, "member-engineering")
    people.clock.set_wall(START)
    answer = people.request("POST", f"/rooms/{ROOM}/check-in", TERMINAL, json={"method": "voice"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["check_in_method"] == "voice"


def test_bad_check_ins_are_refused_with_a_reason(people: Hub) -> None:
    booking_for(people, "member-engineering")
    people.clock.set_wall(START - timedelta(minutes=30))
    nothing = people.request("POST", f"/rooms/{ROOM}/check-in", json={})
    assert nothing.status_code == 409
    assert "nothing is booked" in nothing.json()["detail"]
    future = (people.clock.now() + timedelta(hours=1)).isoformat()
    ahead = people.request("POST", f"/rooms/{ROOM}/check-in", json={"at": future})
    assert ahead.status_code == 422
    assert "future" in ahead.json()["detail"]
    unknown = people.request("POST", "/rooms/no-such-room/check-in", json={})
    assert unknown.status_code == 404


def test_releasing_by_hand_then_no_check_in(people: Hub) -> None:
    booking = booking_for(people, "member-engineering")
    people.clock.set_wall(START + timedelta(minutes=5))
    assert people.ok(f"/bookings/{booking.id}/decisions", "member-engineering") == []
    with people.session() as session:
        occurrence_id = session.scalar(select(BookingOccurrence.id))
    released = people.request("POST", f"/occurrences/{occurrence_id}/release", "member-engineering")
    assert released.status_code == 200, released.text
    assert (released.json()["state"], released.json()["release_reason"]) == ("released", "manual")
    again = people.request("POST", f"/occurrences/{occurrence_id}/check-in", json={})
    assert again.status_code == 409
    assert "released by a person" in again.json()["detail"]


def test_webhooks_are_kept_per_person_with_a_secret_shown_once(people: Hub) -> None:
    made = people.request(
        "POST", "/me/webhooks", "member-engineering", json={"url": "https://example.org/hook"}
    )
    assert made.status_code == 201, made.text
    assert len(made.json()["secret"]) == 64
    listed = people.ok("/me/webhooks", "member-engineering")
    assert [w["url"] for w in listed] == ["https://example.org/hook"]
    assert "secret" not in listed[0]
    assert people.ok("/me/webhooks", "member-exec") == []
    not_theirs = people.request("DELETE", f"/me/webhooks/{listed[0]['id']}", "member-exec")
    assert not_theirs.status_code == 404
    bad = people.request("POST", "/me/webhooks", "member-exec", json={"url": "not a url"})
    assert bad.status_code == 422
