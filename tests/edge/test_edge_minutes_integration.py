"""A minutes session end to end with a real Mosquitto: hub API -> cmd/minutes -> terminal ->
transcript segments through the spool -> hub ingest -> ``GET .../transcript``.

The terminal is the real link (spool, delivery, MQTT, command router) with a fake speech
pipeline that turns each audio block into a segment, so the test needs no model.
"""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from common.clock import SystemClock
from common.mqtt import BrokerAddress
from contract.envelope import new_boot_id
from contract.messages import MinutesSessionData, StatusData, TranscriptData
from devtools.broker import RunningBroker
from edge.link import SpoolSettings, TerminalLink, open_link
from edge.minutes import ActivityCallback, ActivityFlag, Minutes, SessionOptions
from edge.publisher import Identity, MessageBuilder, Sequencer
from edge.speech_runtime import SpeechRuntime
from hub.app import create_app
from hub.settings import Settings
from speech.audio.source import SAMPLE_RATE
from speech.segments import Segment
from tests.edge.speech_terminal import SpeechTerminal

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "minutes-admin-token-0123456789abcdef"
ROOM, DEVICE = "hq-f1-aurora", "term-hq-f1-aurora"
WAIT_S = 20.0
SAID = ["Good morning everyone.", "The launch moves to Thursday.", "Ana owns the checklist."]


class Microphone:
    """Yields one block per sentence, then waits until the session is stopped."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def blocks(self) -> Iterator[np.ndarray]:
        for _ in SAID[:-1]:
            yield np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
        self.closed.wait(WAIT_S)

    def close(self) -> None:
        self.closed.set()


class SentencePipeline:
    """Block i is sentence i; the last sentence is flushed when the audio ends."""

    def __init__(self, options: SessionOptions, on_activity: ActivityCallback) -> None:
        self.on_activity = on_activity

    def run(self, source: Any) -> Iterator[Segment]:
        position = 0.0
        for index, block in enumerate(source.blocks()):
            self.on_activity(True, position)
            yield Segment(position, position + 0.4, SAID[index], language="en")
            position += len(block) / SAMPLE_RATE
        yield Segment(position, position + 0.4, SAID[-1], language="en")
        self.on_activity(False, position + 0.4)


@pytest.fixture
def terminal(broker: RunningBroker, topic_prefix: str, tmp_path: Path) -> Iterator[TerminalLink]:
    clock = SystemClock()
    identity = Identity(topic_prefix, ROOM, DEVICE, new_boot_id())
    address = BrokerAddress(host=broker.host, port=broker.port)
    spool = SpoolSettings(tmp_path / "spool.sqlite", 1000, 10_000_000, 5.0)
    link = open_link(MessageBuilder(identity, Sequencer()), address, spool, clock)
    minutes = Minutes(
        link.publisher,
        clock,
        Microphone,
        SentencePipeline,
        activity=ActivityFlag(link.publisher),
    )
    runtime = SpeechRuntime(minutes)
    runtime.attach(link.commands)
    link.deliverer.start()
    link.connection.start()
    runtime.start()
    yield link
    runtime.close()
    link.connection.stop()
    link.deliverer.stop()
    link.spool.close()


@pytest.fixture
def hub(broker: RunningBroker, topic_prefix: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'hub.db'}",
        configs_dir=ROOT / "firmware_configs",
        ingest_enabled=True,
        checkin_enabled=False,
        mqtt_host=broker.host,
        mqtt_port=broker.port,
        mqtt_prefix=topic_prefix,
        mqtt_client_id=f"hub-{topic_prefix}",
        bootstrap_token=TOKEN,
    )
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield client


def wait_for(condition: Any, what: str) -> Any:
    done = threading.Event()
    for _ in range(int(WAIT_S / 0.1)):
        value = condition()
        if value:
            return value
        done.wait(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_session_started_from_the_hub_ends_up_as_a_transcript(
    hub: TestClient, terminal: TerminalLink
) -> None:
    assert terminal.connection.wait_connected(WAIT_S)

    def post(action: str) -> Any:
        response = hub.post(f"/api/v1/rooms/{ROOM}/minutes", json={"action": action})
        return response.json() if response.status_code == 202 else None

    # The hub may still be connecting to the broker: it answers 409 until then.
    assert wait_for(lambda: post("start"), "the start command")["devices"] == [DEVICE]
    sessions = wait_for(
        lambda: hub.get(f"/api/v1/rooms/{ROOM}/minutes/sessions").json(), "the session start"
    )
    session_id = sessions[0]["session_id"]
    assert sessions[0]["start_reason"] == "hub_command" and sessions[0]["stopped_at"] is None
    assert post("stop") is not None

    def stopped() -> Any:
        found = hub.get(f"/api/v1/rooms/{ROOM}/minutes/sessions").json()
        return found if found and found[0]["stopped_at"] else None

    (session,) = wait_for(stopped, "the session stop")
    assert (session["stop_reason"], session["segments"]) == ("hub_command", len(SAID))
    transcript = wait_for(
        lambda: (
            t
            if len(
                (t := hub.get(f"/api/v1/minutes/sessions/{session_id}/transcript").json())[
                    "segments"
                ]
            )
            == len(SAID)
            else None
        ),
        "every segment",
    )
    assert transcript["text"] == " ".join(SAID)
    assert [s["segment"] for s in transcript["segments"]] == [0, 1, 2]
    # Everything the terminal sent was confirmed by the hub and left its spool.
    wait_for(lambda: terminal.spool.pending == 0, "the hub's confirmation")


def test_the_terminal_process_runs_minutes_from_a_file(
    broker: RunningBroker, topic_prefix: str, tmp_path: Path
) -> None:
    """``python -m edge run --simulate ... --speech-from FILE``, started by a hub command."""
    from tests.edge.test_edge_minutes import spoken_file

    spoken = spoken_file(tmp_path)
    terminal = SpeechTerminal(broker, topic_prefix, tmp_path, spoken)
    try:
        wait_for(lambda: terminal.of(StatusData), "the terminal online")

        def started() -> bool:
            terminal.send("start", roster=["Kennedy"])  # the terminal may still subscribe
            return bool(terminal.of(MinutesSessionData))

        wait_for(started, "the session start")
        done = wait_for(
            lambda: [s for s in terminal.of(MinutesSessionData) if s.state == "stopped"],
            "the session end",
        )
        finals = [t for t in terminal.of(TranscriptData) if t.final]
        assert done[0].reason == "audio_ended" and done[0].segments == len(finals)
        text = " ".join(t.text for t in terminal.of(TranscriptData)).lower()
        assert "fellow americans" in text
        # Starts that arrived while it ran were ignored: one session.
        assert len({s.session for s in terminal.of(MinutesSessionData)}) == 1
    finally:
        terminal.stop()
