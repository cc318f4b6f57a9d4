"""When someone leaves: after their user is deactivated, their very next request is a 401,
whatever they authenticate with, and their webhooks receive nothing more, including notices
that were already waiting in the outbox. A real HTTP receiver listens on loopback."""

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from api_world import Hub
from auth_world import PASSWORD, me, new_user, refresh, sign_in
from meetings_world import SESSION, a_meeting

from hub.checkin.notify import OWNER_INACTIVE, deliver_pending
from hub.db.minutes_models import ActionItemDelivery
from hub.db.models import Notification, User
from hub.minutes import delivery as item_delivery
from hub.webhooks import WebhookClient


class Receiver:
    """A webhook endpoint that keeps every POST it gets (path, notice id) and answers 204."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                notice = self.headers.get("X-Quorum-Notification") or self.headers["X-Quorum-Event"]
                with receiver.lock:
                    receiver.posts.append((self.path, notice))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{path}"

    def seen(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.posts)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def client() -> Iterator[WebhookClient]:
    made = WebhookClient(allow_private=True)
    yield made
    made.close()


def add_webhook(hub: Hub, user: str, url: str) -> int:
    made = hub.request("POST", "/me/webhooks", user, json={"url": url})
    assert made.status_code == 201, made.text
    hook_id: int = made.json()["id"]
    return hook_id


def queue_notice(hub: Hub, user: str) -> int:
    with hub.session() as session:
        notice = Notification(
            created_at=hub.clock.now(),
            user_id=user,
            kind="test",
            payload={"kind": "test"},
            attempts=0,
            next_attempt_at=hub.clock.now(),
        )
        session.add(notice)
        session.flush()
        return notice.id


def deliver(hub: Hub, client: WebhookClient, mqtt: list[str]) -> None:
    def publish(user: str, body: bytes) -> bool:
        mqtt.append(user)
        return True

    with hub.session() as session:
        deliver_pending(session, hub.clock.now(), publish=publish, post=client.post)


def deactivate(hub: Hub, user: str) -> dict[str, Any]:
    answer = hub.request("PATCH", f"/users/{user}", json={"active": False})
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False
    return hub.ok("/audit", params={"target": f"user:{user}", "action": "user.deactivate"})[
        "items"
    ][0]


def test_every_way_in_is_a_401_on_the_very_next_request(hub: Hub) -> None:
    user = new_user(hub, "facilities")
    personal = hub.tokens[user]
    pair = sign_in(hub, user)
    hub.client.cookies.clear()
    signed_in = hub.client.post(
        "/login", data={"user": user, "password": PASSWORD, "next": "/"}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    assert me(hub, personal) == me(hub, pair["access_token"]) == 200
    assert hub.client.get("/api/v1/me").status_code == 200  # by the session cookie

    entry = deactivate(hub, user)  # the admin's bearer header wins over the cookie

    assert me(hub, personal) == 401
    assert me(hub, pair["access_token"]) == 401
    assert hub.client.get("/api/v1/me").status_code == 401
    page = hub.client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    hub.client.cookies.clear()
    assert refresh(hub, pair["refresh_token"]).status_code == 401
    again = hub.client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
    assert again.status_code == 401
    assert entry["actor"] == "user:admin"
    assert entry["details"] == {
        "tokens_revoked": 3,  # personal, access, web session
        "refresh_tokens_revoked": 1,
        "webhooks_stopped": 0,
        "calendar_feeds_revoked": 0,
    }
    # Coming back brings none of it back.
    assert hub.request("PATCH", f"/users/{user}", json={"active": True}).status_code == 200
    assert me(hub, personal) == 401
    assert me(hub, pair["access_token"]) == 401
    assert refresh(hub, pair["refresh_token"]).status_code == 401


def test_their_calendar_feeds_stop(hub: Hub) -> None:
    user = new_user(hub, "facilities", password=None)
    created = hub.request(
        "POST", "/calendar-feeds", user, json={"space_kind": "room", "space_id": "hq-f1-aurora"}
    )
    assert created.status_code == 201, created.text
    feed = created.json()
    assert hub.client.get(f"/calendar/{feed['token']}.ics").status_code == 200
    assert deactivate(hub, user)["details"]["calendar_feeds_revoked"] == 1
    assert hub.client.get(f"/calendar/{feed['token']}.ics").status_code == 404
    listed = {f["id"]: f for f in hub.ok("/calendar-feeds")}
    assert listed[feed["id"]]["revoked_at"] == hub.clock.now().isoformat()


def test_their_webhooks_stop_even_for_notices_already_waiting(
    hub: Hub, receiver: Receiver, client: WebhookClient
) -> None:
    leaver, stayer = new_user(hub, password=None), new_user(hub, password=None)
    add_webhook(hub, leaver, receiver.url(leaver))
    add_webhook(hub, stayer, receiver.url(stayer))
    mqtt: list[str] = []
    before = queue_notice(hub, leaver)
    deliver(hub, client, mqtt)
    assert receiver.seen() == [(f"/{leaver}", str(before))]

    waiting = queue_notice(hub, leaver)  # in the outbox when they leave
    kept = queue_notice(hub, stayer)
    assert deactivate(hub, leaver)["details"]["webhooks_stopped"] == 1
    hub.clock.advance(1)
    deliver(hub, client, mqtt)

    assert receiver.seen() == [(f"/{leaver}", str(before)), (f"/{stayer}", str(kept))]
    assert mqtt == [leaver, stayer]  # nor by MQTT
    with hub.session() as session:
        row = session.get(Notification, waiting)
        assert row is not None
        assert row.last_error == OWNER_INACTIVE and row.webhook_done_at is not None
    deliver(hub, client, mqtt)  # settled: not tried again
    assert len(receiver.seen()) == 2

    # Back again: the old webhook stays off until they register one again.
    hub.request("PATCH", f"/users/{leaver}", json={"active": True})
    hub.tokens[leaver] = hub.request("POST", f"/users/{leaver}/tokens", json={}).json()["token"]
    queue_notice(hub, leaver)
    deliver(hub, client, mqtt)
    assert len(receiver.seen()) == 2
    assert [h["active"] for h in hub.ok("/me/webhooks", leaver)] == [False]


def test_delivery_checks_the_owner_at_send_time(
    hub: Hub, receiver: Receiver, client: WebhookClient
) -> None:
    """However a user became inactive, nothing is posted for them (not only via the API)."""
    user = new_user(hub, password=None)
    add_webhook(hub, user, receiver.url(user))
    queue_notice(hub, user)
    with hub.session() as session:
        found = session.get(User, user)
        assert found is not None
        found.active = False  # as a direct database change would
    mqtt: list[str] = []
    deliver(hub, client, mqtt)
    assert receiver.seen() == [] and mqtt == []


def test_action_items_to_someone_who_left_are_not_sent(
    hub: Hub, receiver: Receiver, client: WebhookClient
) -> None:
    # The meeting of meetings_world: member-exec organizes, member-engineering attends; each
    # is the owner of one action item.
    for role_user in ("member-exec", "member-engineering"):
        if role_user not in hub.tokens:
            hub.add_user(role_user, "member", role_user.split("-")[1])
        add_webhook(hub, role_user, receiver.url(role_user))
    a_meeting(hub)
    confirmed = hub.request("POST", f"/meetings/{SESSION}/minutes/confirm", "member-exec")
    assert confirmed.is_success, confirmed.text
    deactivate(hub, "member-engineering")
    report = item_delivery.deliver_due(
        hub.state.session_factory,
        hub.clock.now() + timedelta(seconds=1),
        publish=None,
        post=client.post,
    )
    assert [path for path, _ in receiver.seen()] == ["/member-exec"]
    assert report.failed == 1
    with hub.session() as session:
        rows = session.query(ActionItemDelivery).order_by(ActionItemDelivery.id).all()
        states = {r.user_id: (r.state, r.last_error) for r in rows}
    assert states["member-engineering"] == ("failed", item_delivery.OWNER_INACTIVE)
    assert states["member-exec"][0] == "delivered"
