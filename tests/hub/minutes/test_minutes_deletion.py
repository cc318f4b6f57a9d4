"""Deleting a meeting through the API leaves none of its words in the database, and tells
the terminal over a real Mosquitto, until the terminal confirms.

The hub runs with its real MQTT ingest; a paho client plays the terminal: it publishes the
session, its transcript and minutes, and listens on its ``cmd/minutes`` topic.
"""

import queue
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as paho
import pytest
from api_world import Hub, populate, running_hub
from meetings_world import AURORA, DEVICE, SECRET_WORDS, SESSION, Terminal, book_now

from contract.topics import command_topic
from devtools.broker import RunningBroker
from devtools.waiting import wait_for
from hub.minutes.deletion import RESEND_AFTER
from hub.minutes.runner import MinutesRunner


class TerminalClient:
    """The terminal's side of the broker: publish at QoS 1, hear its minutes commands."""

    def __init__(self, broker: RunningBroker, prefix: str) -> None:
        self.commands: queue.Queue[dict[str, Any]] = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="fake-terminal")
        self.client.on_message = lambda c, u, m: self.commands.put(orjson.loads(m.payload))
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        topic = command_topic(prefix, AURORA, DEVICE, "minutes")
        self.client.subscribe(topic, qos=1)[1]
        wait_for(lambda: self.client.is_connected(), "the terminal is connected")

    def send(self, raws: list[tuple[str, bytes]]) -> None:
        for topic, payload in raws:
            self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def terminal_client(broker: RunningBroker, topic_prefix: str) -> Iterator[TerminalClient]:
    client = TerminalClient(broker, topic_prefix)
    yield client
    client.close()


@pytest.fixture
def hub(tmp_path: Path, broker: RunningBroker, topic_prefix: str) -> Iterator[Hub]:
    with running_hub(
        tmp_path,
        ingest_enabled=True,
        mqtt_host=broker.host,
        mqtt_port=broker.port,
        mqtt_prefix=topic_prefix,
        mqtt_client_id="hub-under-test",
        ingest_share_group="",
    ) as running:
        populate(running)
        yield running


def stored_text(db: Path) -> list[tuple[str, str, str]]:
    """Every text and blob value of every table, as (table, column, value)."""
    found = []
    connection = sqlite3.connect(db)
    try:
        tables = [
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            columns = [r[1] for r in connection.execute(f'PRAGMA table_info("{table}")')]
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str):
                        found.append((table, column, value))
    finally:
        connection.close()
    return found


def words_in(db: Path) -> list[tuple[str, str]]:
    return [
        (table, column)
        for table, column, value in stored_text(db)
        for word in SECRET_WORDS
        if word in value.lower()
    ]


def raw_words(db: Path) -> list[str]:
    """The words anywhere in the file's bytes (free pages, the WAL), not only in rows."""
    data = b"".join(p.read_bytes().lower() for p in db.parent.glob("hub.db*"))
    return [w for w in SECRET_WORDS if w.encode() in data]


def test_a_deleted_meeting_leaves_no_words_and_the_terminal_is_told(
    hub: Hub, terminal_client: TerminalClient, topic_prefix: str, tmp_path: Path
) -> None:
    db = tmp_path / "hub.db"
    terminal = Terminal(prefix=topic_prefix)
    occurrence = book_now(hub, "member-exec", ("member-engineering",))
    raws = [
        terminal.started(occurrence),
        terminal.transcript(0, "Zanzibar is the quokka codename."),
        terminal.transcript(1, "Marmalade and tangerine for everyone."),
        terminal.minutes(),
    ]

    def arrived() -> bool:
        terminal_client.send(raws)  # again until the hub's subscription is up: stored once
        return hub.get(f"/meetings/{SESSION}/minutes").status_code == 200

    wait_for(arrived, "the meeting's minutes are stored")
    assert hub.request("POST", f"/meetings/{SESSION}/minutes/confirm", "member-exec").is_success
    # Before the deletion the words are there, for the API only: sealed in the file.
    shown = hub.ok(f"/minutes/sessions/{SESSION}/transcript")["text"].lower()
    assert all(w in shown for w in ("zanzibar", "quokka", "marmalade", "tangerine"))
    assert raw_words(db) == []

    gone = hub.request("DELETE", f"/meetings/{SESSION}", "member-exec")
    assert gone.status_code == 200, gone.text
    command = terminal_client.commands.get(timeout=30)["command"]
    assert (command["action"], command["session"]) == ("delete", SESSION)
    assert words_in(db) == []
    assert raw_words(db) == []
    assert hub.get(f"/minutes/sessions/{SESSION}/transcript").json()["segments"] == []
    assert hub.ok("/action-items") == []

    # A late copy from the terminal's spool is not stored again.
    late = Terminal(prefix=topic_prefix, seq=100)
    terminal_client.send([late.transcript(5, "Quokka again."), late.minutes()])

    # No confirmation yet: the runner sends the command again after a while.
    loop = MinutesRunner(
        session_factory=hub.state.session_factory,
        clock=hub.clock,
        auto_confirm_h=24,
        publish=None,
        send_command=hub.state.ingest.publish_command,  # type: ignore[union-attr]
        post=lambda url, body, headers: 204,
    )
    loop.tick()
    hub.clock.advance(RESEND_AFTER.total_seconds())
    loop.tick()
    again = terminal_client.commands.get(timeout=30)["command"]
    assert again["action"] == "delete"

    terminal_client.send([late.deleted()])
    wait_for(lambda: hub.ok(f"/meetings/{SESSION}")["terminal_deleted"], "the confirmation")
    assert words_in(db) == []
    meeting = hub.ok(f"/meetings/{SESSION}")
    assert meeting["deleted_at"] is not None and meeting["minutes"] == "none"
