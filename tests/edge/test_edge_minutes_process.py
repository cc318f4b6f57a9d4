"""The terminal process with a real Mosquitto: ``python -m edge run --simulate ...
--speech-from FILE --speech-realtime`` (a Piper-made WAV), started, paused, resumed and
stopped by ``cmd/minutes``; it publishes ``minutes`` with Ben's action item."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest

from common.mqtt import BrokerAddress, MqttConnection
from contract import topics
from contract.commands import MINUTES_TARGET, MinutesCommand, RosterPerson, encode_minutes_command
from contract.messages import Message, MinutesSessionData, StatusData, TranscriptData, decode
from contract.minutes_data import MinutesData
from devtools.broker import RunningBroker
from tests.edge.test_edge_minutes_integration import DEVICE, ROOM, ROOT, wait_for

SAID = "Good morning everyone. Ben will send the slides by Friday."
WAIT_S = 60.0


def test_a_paused_and_resumed_session_ends_with_minutes(
    broker: RunningBroker, topic_prefix: str, tmp_path: Path
) -> None:
    try:
        import speech.minutes.extract  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"speech.minutes.extract is not there yet: {exc}")
    from devtools import tts

    try:
        # Silence first: the pause and resume fall in it, and Ben's sentence is kept.
        spoken = tts.speak_to_file(SAID, tmp_path / "meeting.wav", lead_s=4.0, tail_s=6.0)
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    heard: list[Message] = []
    lock = threading.Lock()

    def on_message(raw: paho.MQTTMessage) -> None:
        with lock:
            heard.append(decode(raw.topic, raw.payload))

    listener = MqttConnection(
        BrokerAddress(broker.host, broker.port), f"listener-{topic_prefix}", on_message=on_message
    )
    for topic_filter in topics.all_terminal_messages(topic_prefix):
        listener.subscribe(topic_filter)
    listener.start()
    log = (tmp_path / "terminal.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            *(
                "-m",
                "edge",
                "run",
                "--config",
                str(ROOT / "firmware_configs" / "hq-f1-aurora.yaml"),
            ),
            *("--simulate", "huddle_room_day", "--broker-host", broker.host),
            *("--broker-port", str(broker.port), "--prefix", topic_prefix),
            *("--spool", str(tmp_path / "spool.sqlite"), "--speech-from", str(spoken)),
            "--speech-realtime",
        ],
        cwd=ROOT,
        env={**os.environ, "QUORUM_MQTT_PASSWORD": "integration-test"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    target = topics.command_topic(topic_prefix, ROOM, DEVICE, MINUTES_TARGET)

    def of(kind: type) -> list[Any]:
        with lock:
            return [m.data for m in heard if isinstance(m.data, kind)]

    def states() -> list[str]:
        return [s.state for s in of(MinutesSessionData)]

    def send(action: str, **fields: Any) -> None:
        command = MinutesCommand(action=action, **fields)  # type: ignore[arg-type]
        listener.publish(target, encode_minutes_command(command), qos=1)

    try:
        wait_for(lambda: of(StatusData), "the terminal online")
        people = [RosterPerson(user_id="ben", name="Ben Okafor")]

        def started() -> bool:
            send("start", people=people, language="en")  # the terminal may still subscribe
            return "started" in states()

        wait_for(started, "the session start")
        send("pause")
        wait_for(lambda: "paused" in states(), "the pause")
        send("resume")
        wait_for(lambda: "resumed" in states(), "the resume")
        wait_for(
            lambda: any("slides" in t.text.lower() for t in of(TranscriptData)), "Ben's sentence"
        )
        send("stop")
        wait_for(lambda: "stopped" in states(), "the stop")
        (minutes,) = wait_for(lambda: of(MinutesData), "the minutes")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(WAIT_S)
        listener.stop()
    assert states()[:3] == ["started", "paused", "resumed"] and states()[-1] == "stopped"
    assert minutes.action_items, minutes
    # tiny.en may hear "Ben will" as "then we'll": the task is what must come through.
    assert any("slides" in i.task for i in minutes.action_items), minutes
    assert all(t.start_s >= 4.0 - 0.5 for t in of(TranscriptData) if t.final)  # session clock
    with lock:
        kinds = [m.envelope.type for m in heard if m.envelope.type in ("minutes", "transcript")]
    assert kinds[-1] == "minutes"
