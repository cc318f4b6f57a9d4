"""The live stream (Server-Sent Events): filtered by scope, pinged, and it ends when it should.

Pings come every 50 ms here (a dependency override), so reading never blocks for
long; every wait still has a generous bound and nothing asserts on elapsed time.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from api_world import Hub, auth

from hub.api.stream import RECHECK_S, stream_ping_s

BOUND_S = 20.0

AURORA = {
    "type": "space",
    "space_kind": "room",
    "space_id": "hq-f1-aurora",
    "room_id": "hq-f1-aurora",
    "occupied": True,
    "since": "2026-01-06T11:59:00+00:00",
}
EAST_DESK = {
    "type": "space",
    "space_kind": "desk",
    "space_id": "hq-f2-e01",
    "room_id": "hq-f2-east",
    "occupied": True,
    "since": "2026-01-06T11:59:00+00:00",
}
COSMOS_DEVICE = {
    "type": "device",
    "device_id": "term-hq-f2-cosmos",
    "room_id": "hq-f2-cosmos",
    "online": False,
    "at": "2026-01-06T11:59:30+00:00",
}


class Events:
    """Reads SSE frames from a streaming response, ``(event, data)`` at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()
        self.comments: list[str] = []
        self.ended = False

    def next(self) -> tuple[str, dict[str, Any]] | None:
        """The next event, or None when the stream ended. Fails after BOUND_S."""
        deadline = time.monotonic() + BOUND_S
        event, data = "message", ""
        for line in self.lines:
            assert time.monotonic() < deadline, "no event within the bound"
            if line.startswith(":"):
                self.comments.append(line)
            elif line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data += line.split(":", 1)[1].strip()
            elif line == "" and data:
                return event, json.loads(data)
        self.ended = True
        return None

    def up_to(self, last: dict[str, Any]) -> list[dict[str, Any]]:
        """Every event up to and including ``last``: shows what was (not) let through."""
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1] != last:
            got = self.next()
            assert got is not None, f"the stream ended before {last}; got {seen}"
            seen.append(got[1])
        return seen

    def until(self, kind: str) -> dict[str, Any]:
        while True:
            got = self.next()
            assert got is not None, f"the stream ended before a {kind!r} event"
            if got[0] == kind:
                return got[1]


@pytest.fixture
def fast_pings(people: Hub) -> Iterator[Hub]:
    people.app.dependency_overrides[stream_ping_s] = lambda: 0.05
    yield people
    people.app.dependency_overrides.clear()


@contextmanager
def stream(hub: Hub, user: str) -> Iterator[Events]:
    with hub.client.stream("GET", "/api/v1/stream", headers=auth(hub.tokens[user])) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = Events(response)
        # "ready" comes once the stream listens to the feed: nothing published after it is missed.
        assert events.until("ready") == {"type": "ready"}
        yield events


def wait_for_no_listeners(hub: Hub) -> None:
    deadline = time.monotonic() + BOUND_S
    while hub.state.live.listener_count:
        assert time.monotonic() < deadline, "the stream kept listening after the client left"
        time.sleep(0.01)


def test_events_are_filtered_to_the_callers_department(fast_pings: Hub) -> None:
    hub = fast_pings
    with stream(hub, "display-exec") as events:
        hub.state.live.publish(EAST_DESK)  # engineering's: never shown to exec
        hub.state.live.publish(COSMOS_DEVICE)
        hub.state.live.publish(AURORA)
        assert events.up_to(AURORA) == [COSMOS_DEVICE, AURORA]
    wait_for_no_listeners(hub)


def test_admins_get_every_event_and_everyone_gets_resync(fast_pings: Hub) -> None:
    hub = fast_pings
    with stream(hub, "admin") as admin_events, stream(hub, "facilities-engineering") as eng_events:
        hub.state.live.publish(COSMOS_DEVICE)
        hub.state.live.publish({"type": "resync"})
        hub.state.live.publish(EAST_DESK)
        assert admin_events.up_to(EAST_DESK) == [COSMOS_DEVICE, {"type": "resync"}, EAST_DESK]
        assert eng_events.up_to(EAST_DESK) == [{"type": "resync"}, EAST_DESK]
    wait_for_no_listeners(hub)


def test_idle_streams_get_keep_alive_pings(fast_pings: Hub) -> None:
    with stream(fast_pings, "facilities-exec") as events:
        deadline = time.monotonic() + BOUND_S
        for line in events.lines:
            if line.startswith(": ping"):
                break
            assert time.monotonic() < deadline
    wait_for_no_listeners(fast_pings)


def test_a_revoked_token_ends_an_open_stream(fast_pings: Hub) -> None:
    hub = fast_pings
    user = "facilities-engineering"
    token_id = hub.ok("/me", user)["token_id"]
    with stream(hub, user) as events:
        assert hub.request("DELETE", f"/tokens/{token_id}").status_code == 200
        hub.clock.advance(RECHECK_S)
        hub.state.live.publish(AURORA)  # wakes the stream, which checks the token again
        assert events.until("unauthorized")["type"] == "unauthorized"
        while events.next() is not None:
            pass
        assert events.ended
    wait_for_no_listeners(hub)


def test_members_and_devices_get_no_stream(people: Hub) -> None:
    for user in ("member-exec", "device-engineering"):
        assert people.get("/stream", user).status_code == 403
