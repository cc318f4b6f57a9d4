"""Minutes end to end: a simulated terminal plays a spoken meeting (Piper) into the speech
pipeline; the hub gets the minutes; once the organizer confirms them, each action item
reaches its owner's webhook once per Idempotency-Key, also when the hub is killed in the
middle of a delivery and started again on the same database.

Everything is real and runs as separate processes: Mosquitto, ``python -m hub serve``,
``python -m edge run --simulate ... --speech-from meeting.wav``, tiny.en, Silero VAD and the
minutes rules on the terminal, and an HTTP receiver in this test.
"""

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devtools import tts, waiting
from devtools.broker import RunningBroker
from devtools.processes import ROOT, HubProcess, start_hub, start_terminal

ROOM = "hq-f1-aurora"
SAID = [
    "Good morning everyone, this is the launch review.",
    "Okay, so Ben will send the slides to facilities by Friday.",
    "Thank you. And Ana will book the boardroom for the review next Monday.",
    "We decided to move the launch to May.",
]
pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    return waiting.wait_for(condition, what, timeout)


class Receiver:
    """A webhook endpoint that acts on each Idempotency-Key once. It holds the first request
    until ``release`` is set, so the test can kill the hub while a delivery is in flight."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.processed: dict[str, dict[str, Any]] = {}
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                with receiver.lock:
                    receiver.posts.append((key, body))
                    first = len(receiver.posts) == 1
                if first:
                    receiver.first_arrived.set()
                    receiver.release.wait(60)  # the hub dies meanwhile: this answer is lost
                with receiver.lock:
                    receiver.processed.setdefault(key, body)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass  # the hub hung up (killed)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


def call(hub: HubProcess, method: str, path: str, token: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{hub.url}/api/v1{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


@pytest.fixture
def meeting_audio(tmp_path: Path) -> Path:
    try:
        samples, _ = tts.speak_script(SAID, 1.0)
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    import soundfile

    path = tmp_path / "meeting.wav"
    soundfile.write(path, samples, tts.SAMPLE_RATE)
    return path


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


HUB_ENV = {
    "QUORUM_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
    "QUORUM_CHECKIN_TICK_S": "0.5",  # the runner that delivers, often
    "QUORUM_MINUTES_AUTO_CONFIRM_H": "0",  # only the organizer confirms
}


def test_a_spoken_meeting_becomes_minutes_and_reaches_the_owners_once(
    broker: RunningBroker, tmp_path: Path, meeting_audio: Path, receiver: Receiver
) -> None:
    workdir = tmp_path / "hub"
    hub = start_hub(broker, workdir, extra_env=HUB_ENV)
    terminal = None
    try:
        admin = hub.admin_token
        tokens = {}
        for user, name in (("ana", "Ana Lima"), ("ben", "Ben Okafor")):
            call(
                hub,
                "POST",
                "/users",
                admin,
                {"id": user, "display_name": name, "role": "member", "aliases": [name.split()[0]]},
            )
            tokens[user] = call(hub, "POST", f"/users/{user}/tokens", admin, {"name": "e2e"})[
                "token"
            ]
            call(hub, "POST", "/me/webhooks", tokens[user], {"url": receiver.url})
        now = datetime.now(UTC)
        call(
            hub,
            "POST",
            "/bookings",
            tokens["ana"],
            {
                "space_kind": "room",
                "space_id": ROOM,
                "title": "Launch review",
                "starts_at": (now - timedelta(minutes=5)).isoformat(),
                "ends_at": (now + timedelta(minutes=55)).isoformat(),
                "attendees": ["ben"],
            },
        )
        terminal = start_terminal(
            ROOT / "firmware_configs" / f"{ROOM}.yaml",
            broker,
            tmp_path / "terminal",
            scenario="meeting_room_day",
            extra=["--speech-from", str(meeting_audio)],
        )

        # The terminal subscribes after it starts: repeat the start until a session exists.
        def session() -> str | None:
            meetings = call(hub, "GET", f"/meetings?room_id={ROOM}", tokens["ana"])
            if not meetings:
                call(hub, "POST", f"/rooms/{ROOM}/minutes", tokens["ana"], {"action": "start"})
                return None
            return meetings[0]["session_id"]

        session_id = wait_for(session, "a minutes session in the room")

        def minutes() -> Any:
            try:
                return call(hub, "GET", f"/meetings/{session_id}/minutes", tokens["ana"])
            except urllib.error.HTTPError as exc:
                if exc.code == 404:  # not made yet: the session is still running
                    return None
                raise

        draft = wait_for(minutes, "the terminal's minutes at the hub")
        assert draft["status"] == "draft"
        owners = {item["owner_user_id"]: item for item in draft["action_items"]}
        assert set(owners) == {"ana", "ben"}, draft["action_items"]
        assert "slides" in owners["ben"]["task"] and "boardroom" in owners["ana"]["task"]
        assert any("May" in d["text"] for d in draft["decisions"])

        call(hub, "POST", f"/meetings/{session_id}/minutes/confirm", tokens["ana"])
        assert receiver.first_arrived.wait(60), "no delivery started"
        hub.child.kill()  # mid-delivery: the receiver has the request, the hub never hears back
        receiver.release.set()
        hub = start_hub(broker, workdir, extra_env=HUB_ENV, admin_token=admin)

        items = {str(item["id"]) for item in draft["action_items"]}

        def assigned() -> list[str]:  # (reminders for items due soon come as other events)
            with receiver.lock:
                return [
                    str(body["item"]["id"])
                    for body in receiver.processed.values()
                    if body["event"] == "action_item.assigned"
                ]

        wait_for(lambda: set(assigned()) >= items, "every item delivered")
        assert sorted(assigned()) == sorted(items)  # each item acted on once (by its key)
        keys = [key for key, _ in receiver.posts]
        # The delivery the kill interrupted was sent again by the restarted hub, with the
        # same key (so it was acted on once); nothing else came twice.
        assert keys.count(keys[0]) == 2 and len(keys) - len(set(keys)) == 1

        # Deleting the meeting leaves none of its words in the hub's database or anywhere
        # on the terminal (its spool, its log), once the terminal has confirmed.
        call(hub, "DELETE", f"/meetings/{session_id}", tokens["ana"])
        wait_for(
            lambda: call(hub, "GET", f"/meetings/{session_id}", admin)["terminal_deleted"],
            "the terminal to confirm the deletion",
        )
        for path in [*workdir.glob("hub.db*"), *(tmp_path / "terminal").iterdir()]:
            data = path.read_bytes()
            for word in (b"the slides", b"book the boardroom", b"launch to May"):
                assert word not in data, f"{word!r} is still in {path.name}"
    finally:
        if terminal is not None:
            terminal.terminate()
        hub.child.terminate()
