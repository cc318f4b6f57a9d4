"""A known meeting through the real path: the terminal's spool (a real SQLite file), a real
Mosquitto, the hub's ingest into a real SQLite file, and its API. Neither file (nor its
write-ahead log) ever holds the words; the API shows them.
"""

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sealing_world import SECRET, TITLE, Speaker

from common.clock import SystemClock
from common.mqtt import BrokerAddress
from contract.envelope import new_boot_id
from contract.intent_data import IntentData
from contract.messages import MinutesData, MinutesSessionData, TranscriptData, decode
from devtools.broker import RunningBroker
from devtools.waiting import wait_for
from edge.link import SpoolSettings, TerminalLink, open_link
from edge.publisher import Identity, MessageBuilder, Sequencer
from hub.app import create_app
from hub.settings import Settings

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
TOKEN = "sealing-admin-token-0123456789abcdef"
ROOM, DEVICE = "hq-f2-cosmos", "term-hq-f2-cosmos"
SESSION = "20260106T115000-e2e0e2e0"


@pytest.fixture
def hub(broker: RunningBroker, topic_prefix: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'hub' / 'hub.db'}",
        configs_dir=ROOT / "firmware_configs",
        ingest_enabled=True,
        checkin_enabled=False,
        mqtt_host=broker.host,
        mqtt_port=broker.port,
        mqtt_prefix=topic_prefix,
        mqtt_client_id=f"hub-{topic_prefix}",
        ingest_share_group="",
        bootstrap_token=TOKEN,
    )
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield client


@pytest.fixture
def terminal(broker: RunningBroker, topic_prefix: str, tmp_path: Path) -> Iterator[TerminalLink]:
    identity = Identity(topic_prefix, ROOM, DEVICE, new_boot_id())
    spool = SpoolSettings(tmp_path / "edge" / "spool.sqlite", 1000, 10_000_000, 5.0)
    address = BrokerAddress(host=broker.host, port=broker.port)
    link = open_link(MessageBuilder(identity, Sequencer()), address, spool, SystemClock())
    yield link
    link.connection.stop()
    link.deliverer.stop()
    link.spool.close()


def files_hold(folder: Path, words: str) -> list[str]:
    """Files of the folder (the database, its -wal and -shm) whose bytes hold ``words``."""
    return [p.name for p in folder.iterdir() if p.is_file() and words.encode() in p.read_bytes()]


def speak(link: TerminalLink) -> int:
    """The meeting, as the terminal's minutes session and voice commands send it."""
    speaker = Speaker(ROOM, DEVICE, SESSION)
    raws = [
        speaker.started(),
        speaker.transcript(0, f"Welcome, the {SECRET} is our codename."),
        speaker.transcript(1, "Let us begin."),
        speaker.minutes(),
        speaker.intent(new_boot_id(), in_session=True),
    ]
    builder = link.publisher.builder
    makers: dict[type, Any] = {
        MinutesSessionData: builder.minutes_session,
        TranscriptData: builder.transcript,
        MinutesData: builder.minutes,
        IntentData: builder.intent,
    }
    for topic, payload in raws:
        message = decode(topic.replace("quorum/", f"{builder.identity.prefix}/", 1), payload)
        make = makers[type(message.data)]
        link.publisher.send(partial(make, message.data, message.envelope.ts))
    return len(raws)


def test_a_meeting_is_never_in_the_clear_on_either_disk(
    hub: TestClient, terminal: TerminalLink, tmp_path: Path
) -> None:
    sent = speak(terminal)  # spooled before the terminal connects: it waits on disk
    assert terminal.spool.pending == sent
    assert files_hold(tmp_path / "edge", "quokka") == []
    assert files_hold(tmp_path / "edge", "Zanzibar") == []

    terminal.deliverer.start()
    terminal.connection.start()
    wait_for(lambda: terminal.spool.pending == 0, "the hub's confirmation of every message")

    transcript = hub.get(f"/api/v1/minutes/sessions/{SESSION}/transcript").json()
    assert SECRET in transcript["text"] and transcript["session"]["title"] == TITLE
    minutes = hub.get(f"/api/v1/meetings/{SESSION}/minutes").json()
    assert minutes["action_items"][0]["task"] == f"send the {SECRET} slides"
    assert minutes["decisions"][0]["text"] == f"ship the {SECRET}"
    commands = hub.get(
        f"/api/v1/rooms/{ROOM}/voice-commands?start=2026-01-05T00:00:00Z&end=2026-01-07T00:00:00Z"
    ).json()
    assert any(SECRET in c["text"] for c in commands)
    # The hub's file and its write-ahead log, while it runs ...
    hub_files = tmp_path / "hub"
    assert {p.name for p in hub_files.iterdir()} >= {"hub.db", "hub.db-wal"}
    assert files_hold(hub_files, "quokka") == [] and files_hold(hub_files, "Zanzibar") == []
    assert files_hold(tmp_path / "edge", "quokka") == []
