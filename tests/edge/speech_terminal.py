"""A real terminal process taking minutes (and voice commands) from an audio file, and an
MQTT listener that decodes everything it publishes and can answer it like the hub:
``python -m edge run --simulate ... --speech-from FILE``."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho

from common.mqtt import BrokerAddress, MqttConnection
from contract import topics
from contract.commands import (
    MINUTES_TARGET,
    VOICE_TARGET,
    MinutesCommand,
    VoiceReply,
    encode_minutes_command,
    encode_voice_reply,
)
from contract.messages import Message, decode
from devtools.broker import RunningBroker

ROOT = Path(__file__).resolve().parents[2]
ROOM, DEVICE = "hq-f1-aurora", "term-hq-f1-aurora"
WAIT_S = 60.0


class SpeechTerminal:
    def __init__(
        self,
        broker: RunningBroker,
        prefix: str,
        workdir: Path,
        audio: Path,
        extra: tuple[str, ...] = (),
        config: Path | None = None,
    ) -> None:
        self.heard: list[Message] = []
        self._lock = threading.Lock()
        self.log = workdir / "terminal.log"
        self._target = topics.command_topic(prefix, ROOM, DEVICE, MINUTES_TARGET)
        self._voice = topics.command_topic(prefix, ROOM, DEVICE, VOICE_TARGET)
        self.listener = MqttConnection(
            BrokerAddress(broker.host, broker.port), f"listener-{prefix}", on_message=self._on
        )
        for topic_filter in topics.all_terminal_messages(prefix):
            self.listener.subscribe(topic_filter)
        self.listener.start()
        config = config or ROOT / "firmware_configs" / f"{ROOM}.yaml"
        self.process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "edge", "run", "--config", str(config)),
                *("--simulate", "huddle_room_day", "--broker-host", broker.host),
                *("--broker-port", str(broker.port), "--prefix", prefix),
                *("--spool", str(workdir / "spool.sqlite"), "--speech-from", str(audio)),
                *extra,
            ],
            cwd=ROOT,
            env={**os.environ, "QUORUM_MQTT_PASSWORD": "integration-test"},
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def _on(self, raw: paho.MQTTMessage) -> None:
        with self._lock:
            self.heard.append(decode(raw.topic, raw.payload))

    def of(self, kind: type) -> list[Any]:
        """The data of every message of this payload type heard so far, in order."""
        with self._lock:
            return [m.data for m in self.heard if isinstance(m.data, kind)]

    def types(self) -> list[str]:
        with self._lock:
            return [m.envelope.type for m in self.heard]

    def send(self, action: str, **fields: Any) -> None:
        command = MinutesCommand(action=action, **fields)  # type: ignore[arg-type]
        self.listener.publish(self._target, encode_minutes_command(command), qos=1)

    def reply(self, reply: VoiceReply) -> None:
        """Answer a voice command as the hub would."""
        self.listener.publish(self._voice, encode_voice_reply(reply), qos=1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(WAIT_S)
        self.listener.stop()
