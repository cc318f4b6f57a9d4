"""Action items reach their owners' webhooks exactly once per Idempotency-Key: through 500s
and retries, and when the hub stops in the middle of a delivery round.

A real HTTP receiver listens on loopback (so the tests allow private targets), the runner
is the hub's own (hub/minutes/runner.py) on the hub's database, time is a fake clock.
"""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from api_world import Hub, populate, running_hub
from meetings_world import SESSION, a_meeting

from hub.db.engine import make_engine, make_session_factory
from hub.minutes.delivery import RETRY_DELAYS
from hub.minutes.runner import MinutesRunner
from hub.webhooks import UnsafeTarget, WebhookClient, check_target


@dataclass
class Receiver:
    """A webhook endpoint that honours Idempotency-Key; answers ``answers`` first, then 204."""

    answers: list[int] = field(default_factory=list)
    url: str = ""
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.posts.append((dict(self.headers), body))
                    status = receiver.answers.pop(0) if receiver.answers else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def accepted(self) -> dict[str, dict[str, Any]]:
        """What a receiver honouring the key keeps: the first body per key (2xx ones only
        count, but a failed one is sent again with the same key)."""
        kept: dict[str, dict[str, Any]] = {}
        for headers, body in self.posts:
            kept.setdefault(headers["Idempotency-Key"], json.loads(body))
        return kept


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.url = running.start()
    yield running
    running.server.shutdown()


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with running_hub(tmp_path, webhook_allow_private=True) as running:
        populate(running)
        yield running


def hook(hub: Hub, user: str, url: str) -> str:
    made = hub.request("POST", "/me/webhooks", user, json={"url": url})
    assert made.status_code == 201, made.text
    secret: str = made.json()["secret"]
    return secret


def runner(hub: Hub, client: WebhookClient, factory: Any = None) -> MinutesRunner:
    return MinutesRunner(
        session_factory=factory or hub.state.session_factory,
        clock=hub.clock,
        auto_confirm_h=24,
        publish=None,
        send_command=None,
        post=client.post,
    )


def test_each_item_arrives_once_signed_through_500s(hub: Hub, receiver: Receiver) -> None:
    url = receiver.url
    secrets = {u: hook(hub, u, url) for u in ("member-exec", "member-engineering")}
    a_meeting(hub)
    assert hub.request("POST", f"/meetings/{SESSION}/minutes/confirm", "member-exec").is_success
    receiver.answers = [500, 500, 503]
    client = WebhookClient(allow_private=True)
    loop = runner(hub, client)
    for delay in RETRY_DELAYS[:3]:
        loop.tick()
        hub.clock.advance(delay.total_seconds())
    loop.tick()
    loop.tick()
    client.close()
    kept = receiver.accepted()
    assert sorted(b["item"]["task"] for b in kept.values()) == [
        "book the tangerine room",
        "send the zanzibar slides",
    ]
    assert len(receiver.posts) == 2 + 3  # two items, three failed attempts retried
    for headers, body in receiver.posts:
        owner = json.loads(body)["user_id"]
        expected = hmac.new(secrets[owner].encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Quorum-Signature"] == f"sha256={expected}"
        assert headers["X-Quorum-Event"] == "action_item.assigned"
    slides = next(b for b in kept.values() if b["item"]["task"].startswith("send"))
    assert slides["meeting"]["session_id"] == SESSION
    assert slides["evidence"]["quote"].startswith("Member-Engineering sends")
    assert slides["item"]["due"] == "2026-01-09"
    items = hub.ok("/action-items")
    assert all(i["deliveries"][0]["state"] == "delivered" for i in items)


def test_a_webhook_that_keeps_failing_is_given_up_visibly(hub: Hub, receiver: Receiver) -> None:
    url = receiver.url
    hook(hub, "member-exec", url)
    a_meeting(hub)
    hub.request("POST", f"/meetings/{SESSION}/minutes/confirm", "member-exec")
    receiver.answers = [500] * 100
    client = WebhookClient(allow_private=True)
    loop = runner(hub, client)
    for delay in RETRY_DELAYS:
        loop.tick()
        hub.clock.advance(delay.total_seconds())
    loop.tick()
    loop.tick()
    client.close()
    (mine,) = hub.ok("/action-items?owner=member-exec")
    (delivery,) = mine["deliveries"]
    assert delivery["state"] == "failed" and "HTTP 500" in delivery["last_error"]
    assert delivery["attempts"] == len(RETRY_DELAYS) + 1


class Crash(BaseException):
    """The hub process ends here (not an Exception: nothing in the hub catches it)."""


def test_a_restart_mid_delivery_sends_each_item_again_under_the_same_key(
    tmp_path: Path, receiver: Receiver
) -> None:
    url = receiver.url
    with running_hub(tmp_path, webhook_allow_private=True) as hub:
        populate(hub)
        for user in ("member-exec", "member-engineering"):
            hook(hub, user, url)
            hook(hub, user, url + "?second")
        a_meeting(hub)
        hub.request("POST", f"/meetings/{SESSION}/minutes/confirm", "member-exec")
        receiver.answers = [500]
        client = WebhookClient(allow_private=True)
        calls = 0

        def post_then_die(target: str, body: bytes, headers: dict[str, str]) -> int:
            nonlocal calls
            calls += 1
            status = client.post(target, body, headers)
            if calls == 3:  # the receiver has it, the hub dies before noting so
                raise Crash()
            return status

        loop = runner(hub, client)
        loop._post = post_then_die
        with pytest.raises(Crash):
            loop.tick()
        client.close()
        clock = hub.clock
    # A new hub process on the same database: a new engine, runner and HTTP client.
    with running_hub(tmp_path, clock=clock, webhook_allow_private=True) as again:
        engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
        client = WebhookClient(allow_private=True)
        loop = runner(again, client, make_session_factory(engine))
        for _ in range(3):
            loop.tick()
            again.clock.advance(RETRY_DELAYS[0].total_seconds())
        client.close()
        engine.dispose()
        assert all(
            d["state"] == "delivered" for i in again.ok("/action-items") for d in i["deliveries"]
        )
    kept = receiver.accepted()
    # Two items, one owner each, two webhooks each: four keys, each item once per webhook.
    assert len(kept) == 4
    keys = [h["Idempotency-Key"] for h, _ in receiver.posts]
    assert len(keys) == 6  # a 500, and the one whose 2xx the hub did not live to note
    repeated = {k for k in keys if keys.count(k) > 1}
    assert len(repeated) == 2
    tasks = sorted(b["item"]["task"] for b in kept.values())
    assert tasks == ["book the tangerine room"] * 2 + ["send the zanzibar slides"] * 2


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://localhost/x",
    ],
)
def test_private_targets_are_refused_at_delivery_too(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        check_target(url, allow_private=False)
    client = WebhookClient(allow_private=False)
    with pytest.raises(UnsafeTarget):
        client.post(url, b"{}", {})
    client.close()
    check_target(url, allow_private=True)


def test_a_refused_target_is_retried_and_named_in_the_error(hub: Hub) -> None:
    with hub.session() as session:
        from hub.db.models import Webhook

        session.add(
            Webhook(
                user_id="member-exec",
                url="http://127.0.0.1:9/hook",  # as if registered while allowed
                secret="s",
                created_at=hub.clock.now(),
                active=True,
            )
        )
        session.commit()
    a_meeting(hub)
    hub.request("POST", f"/meetings/{SESSION}/minutes/confirm", "member-exec")
    client = WebhookClient(allow_private=False)
    runner(hub, client).tick()
    client.close()
    (mine,) = hub.ok("/action-items?owner=member-exec")
    (delivery,) = mine["deliveries"]
    assert delivery["state"] == "pending" and "UnsafeTarget" in delivery["last_error"]
