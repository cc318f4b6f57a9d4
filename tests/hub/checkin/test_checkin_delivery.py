"""Notices reach organizers: a real webhook receiver (HTTP on loopback, signature checked)
and a real Mosquitto, through the hub's own bookings service and its loop."""

import hashlib
import hmac
import json
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from checkin_builders import add_booking, add_change
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract.topics import user_notification_topic
from devtools.broker import RunningBroker
from devtools.waiting import wait_for
from hub.checkin.wiring import BookingsService
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Notification, User, Webhook
from hub.live import LiveFeed
from hub.settings import Settings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOM = "hq-f1-aurora"


class Receiver:
    """A webhook endpoint: answers with the next status in ``answers`` (then 204)."""

    def __init__(self) -> None:
        self.bodies: queue.Queue[tuple[bytes, dict[str, str]]] = queue.Queue()
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.bodies.put((body, dict(self.headers)))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


@pytest.fixture
def factory(fresh_database: Any) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(fresh_database("sqlite", "org"))
    yield make_session_factory(engine)
    engine.dispose()


def a_no_show(factory: sessionmaker[Session], hook_url: str) -> str:
    with factory() as session:
        session.add(User(id="ana", display_name="Ana", role="member", created_at=START))
        session.add(Webhook(user_id="ana", url=hook_url, secret="s3cret", created_at=START))
        session.commit()
        add_change(session, START - timedelta(hours=1), False)
        booking = add_booking(
            session,
            START,
            START + timedelta(hours=1),
            organizer="ana",
            space=("room", ROOM),
            created=START,
        )
        return booking.id


def test_a_release_is_posted_signed_and_published_on_the_organizers_topic(
    factory: sessionmaker[Session],
    receiver: Receiver,
    broker: RunningBroker,
    topic_prefix: str,
    tmp_path: Path,
) -> None:
    booking_id = a_no_show(factory, receiver.url)
    receiver.answers = [503]  # the first delivery fails and is retried
    settings = Settings(
        _env_file=None,
        database_url="sqlite:///unused",
        mqtt_host=broker.host,
        mqtt_port=broker.port,
        mqtt_prefix=topic_prefix,
        webhook_allow_private=True,  # the receiver listens on loopback
    )
    clock = FakeClock(START + timedelta(minutes=10))
    heard: queue.Queue[bytes] = queue.Queue()
    listener = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    listener.on_message = lambda _c, _u, message: heard.put(message.payload)
    listener.connect(broker.host, broker.port)
    listener.subscribe(user_notification_topic(topic_prefix, "ana"), qos=1)
    listener.loop_start()
    service = BookingsService(settings, factory, clock, LiveFeed())
    try:
        service.start()
        body, headers = receiver.bodies.get(timeout=10)  # the failed attempt
        clock.advance(10)  # past the first retry delay
        body, headers = receiver.bodies.get(timeout=10)
        notice = json.loads(body)
        assert (notice["kind"], notice["booking_id"], notice["user_id"]) == (
            "released_no_show",
            booking_id,
            "ana",
        )
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Quorum-Signature"] == expected
        assert headers["X-Quorum-Notification"] == str(notice["id"])
        assert json.loads(heard.get(timeout=10)) == notice

        def delivered() -> Notification | None:
            with factory() as session:
                row = session.scalars(select(Notification)).one()
                return row if row.webhook_done_at is not None else None

        row = wait_for(delivered, "the notice marked delivered")
        assert (row.attempts, row.last_error) == (2, None)
        assert row.mqtt_sent_at is not None
    finally:
        service.stop()
        listener.loop_stop()
        listener.disconnect()
