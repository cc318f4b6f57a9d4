"""Meetings, minutes review and action items through the real app.

Times: the hub's clock says Tuesday 2026-01-06 12:00 UTC; the meeting started 11:50.
"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from api_world import NOW, Hub, auth, populate, running_hub
from icalendar import Calendar
from meetings_world import SESSION, Terminal, a_meeting, feed

from hub.minutes.runner import MinutesRunner

OUTSIDERS = ("facilities-engineering", "facilities-exec", "display-exec", "device-exec")


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with running_hub(tmp_path) as running:
        populate(running)
        yield running


def runner(hub: Hub, auto_confirm_h: float = 24.0) -> MinutesRunner:
    return MinutesRunner(
        session_factory=hub.state.session_factory,
        clock=hub.clock,
        auto_confirm_h=auto_confirm_h,
        publish=None,
        send_command=None,
        post=lambda url, body, headers: 204,
    )


def test_a_minutes_message_becomes_a_draft_with_owners_found(hub: Hub) -> None:
    a_meeting(hub)
    minutes = hub.ok(f"/meetings/{SESSION}/minutes", "member-engineering")
    assert minutes["status"] == "draft" and minutes["confirmed_at"] is None
    assert minutes["auto_confirm_at"] == (NOW + timedelta(hours=24)).isoformat()
    first, second = minutes["action_items"]
    # Matched by display name among the meeting's people; the terminal's user id is kept.
    assert (first["owner"], first["owner_user_id"], first["due"]) == (
        "Member-Engineering",
        "member-engineering",
        "2026-01-09",
    )
    assert second["owner_user_id"] == "member-exec" and second["review"]
    assert minutes["decisions"][0]["text"] == "ship the quokka build"
    meeting = hub.ok(f"/meetings/{SESSION}", "member-exec")
    assert meeting["minutes"] == "draft" and meeting["action_items"] == 2
    assert meeting["organizer_id"] == "member-exec" and meeting["terminal_deleted"] is False
    markdown = hub.get(f"/meetings/{SESSION}/minutes?format=markdown", "member-exec")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "send the zanzibar slides" in markdown.text and "Zanzibar launch review" in markdown.text
    negotiated = hub.client.get(
        f"/api/v1/meetings/{SESSION}/minutes",
        headers={"Accept": "text/markdown", **auth(hub.tokens["admin"])},
    )
    assert negotiated.text == markdown.text


def test_who_sees_meetings(hub: Hub) -> None:
    a_meeting(hub)
    hub.add_user("outsider", "member", "exec")
    for user in ("admin", "member-exec", "member-engineering"):
        assert [m["session_id"] for m in hub.ok("/meetings", user)] == [SESSION]
    assert hub.ok("/meetings", "outsider") == []
    assert hub.get(f"/meetings/{SESSION}/minutes", "outsider").status_code == 404
    assert hub.ok("/meetings?room_id=hq-f1-borealis") == []
    assert hub.ok(f"/meetings?start={(NOW - timedelta(hours=1)).isoformat()}") != []
    assert hub.ok(f"/meetings?end={(NOW - timedelta(hours=1)).isoformat()}") == []
    for user in OUTSIDERS:
        assert hub.get("/meetings", user).status_code == 403
        refused = hub.get(f"/meetings/{SESSION}/minutes", user)
        assert refused.status_code == 403 and "zanzibar" not in refused.text
        assert hub.get("/action-items", user).status_code == 403


def test_the_organizer_edits_a_draft_then_confirms_it(hub: Hub) -> None:
    terminal = a_meeting(hub)
    items = hub.ok(f"/meetings/{SESSION}/minutes")["action_items"]
    edit = {
        "action_items": [
            {"id": items[0]["id"], "task": "send the final slides", "due": "2026-01-12"},
            {"task": "order cake", "owner": "Nobody Known", "due": "2026-01-07"},
            {"task": "write the notes", "owner_user_id": "member-engineering"},
        ],
        "decisions": ["ship it"],
    }
    path = f"/meetings/{SESSION}/minutes"
    assert hub.request("PATCH", path, "member-engineering", json=edit).status_code == 403
    bad_owner = {"action_items": [{"task": "x", "owner_user_id": "nobody"}]}
    assert hub.request("PATCH", path, "member-exec", json=bad_owner).status_code == 422
    edited = hub.request("PATCH", path, "member-exec", json=edit)
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert [i["task"] for i in body["action_items"]] == [
        "send the final slides",
        "order cake",
        "write the notes",
    ]
    assert body["action_items"][0]["id"] == items[0]["id"]
    assert body["action_items"][0]["evidence"]["quote"].startswith("Member-Engineering sends")
    # Nobody has that name: the owner stays unknown until someone picks one.
    assert body["action_items"][1]["owner_user_id"] is None
    assert body["action_items"][2]["owner"] == "Member-Engineering"
    assert body["decisions"] == [
        {"text": "ship it", "evidence": {"quote": "", "line": None, "start": None}}
    ]
    assert body["edited"] is True

    confirm = f"/meetings/{SESSION}/minutes/confirm"
    assert hub.request("POST", confirm, "member-engineering").status_code == 403
    confirmed = hub.request("POST", confirm, "member-exec")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["auto_confirm_at"] is None
    owned = [i for i in confirmed.json()["action_items"] if i["owner_user_id"]]
    assert all([d["event"] for d in i["deliveries"]] == ["action_item.assigned"] for i in owned)
    assert hub.request("POST", confirm, "member-exec").status_code == 409
    assert hub.request("PATCH", path, "member-exec", json=edit).status_code == 409
    feed(hub, terminal.minutes([]))  # a late copy from the terminal changes nothing now
    assert len(hub.ok(path)["action_items"]) == 3


def test_a_new_minutes_message_replaces_a_draft(hub: Hub) -> None:
    terminal = a_meeting(hub)
    feed(hub, terminal.minutes([{"task": "only this", "evidence": {"quote": "Only this."}}]))
    assert [i["task"] for i in hub.ok(f"/meetings/{SESSION}/minutes")["action_items"]] == [
        "only this"
    ]


def test_drafts_confirm_themselves_after_the_delay(hub: Hub) -> None:
    a_meeting(hub)
    loop = runner(hub, auto_confirm_h=24)
    hub.clock.advance(timedelta(hours=23, minutes=59).total_seconds())
    loop.tick()
    assert hub.ok(f"/meetings/{SESSION}/minutes")["status"] == "draft"
    hub.clock.advance(120)
    loop.tick()
    minutes = hub.ok(f"/meetings/{SESSION}/minutes")
    assert (minutes["status"], minutes["confirmed_by"]) == ("confirmed", "auto")
    assert all(d["state"] == "delivered" for i in minutes["action_items"] for d in i["deliveries"])


def test_zero_hours_never_confirms(hub: Hub) -> None:
    a_meeting(hub)
    hub.clock.advance(timedelta(days=30).total_seconds())
    runner(hub, auto_confirm_h=0).tick()
    assert hub.ok(f"/meetings/{SESSION}/minutes")["status"] == "draft"


def test_action_items_filters_patch_and_ical(hub: Hub) -> None:
    a_meeting(hub)
    hub.request("POST", f"/meetings/{SESSION}/minutes/confirm", "member-exec")
    hub.add_user("outsider", "member", "exec")
    everything = hub.ok("/action-items")
    assert [i["task"] for i in everything] == [
        "send the zanzibar slides",
        "book the tangerine room",
    ]
    slides, room = (i["id"] for i in everything)
    assert [i["id"] for i in hub.ok("/action-items?owner=me", "member-engineering")] == [slides]
    assert [i["id"] for i in hub.ok("/action-items?owner=member-exec")] == [room]
    assert len(hub.ok("/action-items", "member-engineering")) == 2  # attended the meeting
    assert hub.ok("/action-items", "outsider") == []
    assert [i["id"] for i in hub.ok("/action-items?due_before=2026-01-09")] == [slides]
    assert hub.ok("/action-items?due_after=2026-01-10") == []
    assert len(hub.ok(f"/action-items?meeting={SESSION}")) == 2
    assert hub.ok("/action-items?meeting=other") == []

    # The owner closes their item; an attendee may not change someone else's.
    assert (
        hub.request(
            "PATCH", f"/action-items/{room}", "member-engineering", json={"status": "done"}
        ).status_code
        == 403
    )
    assert (
        hub.request(
            "PATCH", f"/action-items/{slides}", "member-engineering", json={"due": "2026-02-01"}
        ).status_code
        == 403
    )
    done = hub.request(
        "PATCH", f"/action-items/{slides}", "member-engineering", json={"status": "done"}
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert [i["id"] for i in hub.ok("/action-items?status=open")] == [room]
    assert (
        hub.request(
            "PATCH", f"/action-items/{slides}", "outsider", json={"status": "open"}
        ).status_code
        == 404
    )
    moved = hub.request("PATCH", f"/action-items/{room}", "member-exec", json={"due": "2026-01-20"})
    assert moved.status_code == 200 and moved.json()["due"] == "2026-01-20"

    calendar = hub.get("/action-items.ics", "member-exec")
    assert calendar.headers["content-type"].startswith("text/calendar")
    todos = Calendar.from_ical(calendar.content).walk("VTODO")
    assert [(str(t["SUMMARY"]), t["DUE"].dt.isoformat()) for t in todos] == [
        ("book the tangerine room", "2026-01-20")
    ]
    assert "DUE;VALUE=DATE:20260120" in calendar.text
    assert str(todos[0]["UID"]) == f"action-item-{room}@quorum"
    assert hub.get("/action-items.ics", "member-exec").text.count("BEGIN:VTODO") == 1
    # Done items, and undated ones, stay out.
    assert "BEGIN:VTODO" not in hub.get("/action-items.ics", "member-engineering").text


def test_reminders_go_out_once_each(hub: Hub) -> None:
    a_meeting(hub)
    items = hub.ok(f"/meetings/{SESSION}/minutes")["action_items"]
    hub.request("POST", f"/meetings/{SESSION}/minutes/confirm", "member-exec")
    hub.request(
        "PATCH", f"/action-items/{items[1]['id']}", "member-exec", json={"due": "2026-01-08"}
    )
    loop = runner(hub)

    def events() -> dict[str, list[str]]:
        found = hub.ok("/action-items")
        return {i["task"]: [d["event"].split(".")[1] for d in i["deliveries"]] for i in found}

    loop.tick()  # Tuesday noon: nothing is due within a day
    assert set(map(tuple, events().values())) == {("assigned",)}
    hub.clock.advance(timedelta(days=1, hours=1).total_seconds())  # Wednesday 13:00
    loop.tick()
    loop.tick()
    assert events()["book the tangerine room"] == ["assigned", "due_soon"]
    assert events()["send the zanzibar slides"] == ["assigned"]
    hub.clock.advance(timedelta(days=2).total_seconds())  # Friday 13:00
    loop.tick()
    assert events() == {
        "send the zanzibar slides": ["assigned", "due_soon"],
        "book the tangerine room": ["assigned", "due_soon", "overdue"],
    }
    hub.clock.advance(timedelta(days=3).total_seconds())
    loop.tick()
    assert events()["send the zanzibar slides"] == ["assigned", "due_soon", "overdue"]
    loop.tick()
    assert events()["book the tangerine room"] == ["assigned", "due_soon", "overdue"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://localhost:9000/hook",
        "http://0.0.0.0/hook",
        "http://192.168.1.20/hook",
    ],
)
def test_webhooks_into_private_networks_are_refused(hub: Hub, url: str) -> None:
    refused = hub.request("POST", "/me/webhooks", "member-exec", json={"url": url})
    assert refused.status_code == 422 and "private" in refused.text
    assert hub.ok("/me/webhooks", "member-exec") == []


def test_webhooks_to_a_name_resolving_to_loopback_are_refused(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def resolve(host: str, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        assert host == "hooks.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    refused = hub.request(
        "POST", "/me/webhooks", "member-exec", json={"url": "https://hooks.example.com/x"}
    )
    assert refused.status_code == 422 and "127.0.0.1" in refused.text


def test_a_deleted_meeting_waits_for_the_terminals_confirmation(hub: Hub) -> None:
    terminal = Terminal()
    a_meeting(hub, terminal)
    assert hub.request("DELETE", f"/meetings/{SESSION}", "member-engineering").status_code == 403
    gone = hub.request("DELETE", f"/meetings/{SESSION}", "member-exec")
    assert gone.status_code == 200, gone.text
    assert gone.json()["deleted_at"] == NOW.isoformat()
    assert gone.json()["terminal_deleted"] is False and gone.json()["title"] is None
    feed(hub, terminal.deleted())
    assert hub.ok(f"/meetings/{SESSION}")["terminal_deleted"] is True
    assert hub.get(f"/meetings/{SESSION}/minutes").status_code == 404
