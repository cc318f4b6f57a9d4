"""Minutes sessions on the terminal with a fake speech pipeline and a recording sink.

The pipeline is a stand-in for ``speech.streaming.StreamingTranscriber``: one segment per
audio block, speech activity on at the first block and off when the audio ends, and one
more "flushed" segment when the source ends (the utterance under way when it was closed).
Every message published is decoded with the contract.
"""

import logging
import os
import threading
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as paho
import pytest
from gpiozero.pins.mock import MockFactory

from common.clock import FakeClock
from contract.commands import MinutesCommand, encode_minutes_command
from contract.messages import (
    Message,
    MinutesSessionData,
    SpeechActivityData,
    TranscriptData,
    decode,
)
from contract.terminal_config import SpeechSection
from edge.command_router import CommandRouter
from edge.minutes import ActivityCallback, ActivityFlag, Minutes, SessionOptions
from edge.publisher import Identity, MessageBuilder, Publisher, Sequencer
from edge.speech_runtime import SpeechRuntime
from edge.spool import MessageClass, classify
from speech.audio.source import SAMPLE_RATE, AudioError
from speech.audio.sources import MemorySource
from speech.segments import Segment

WAIT_S = 10.0
BLOCK = np.full(SAMPLE_RATE // 10, 0.1, dtype=np.float32)  # 0.1 s


class Receipt:
    def wait_for_publish(self, timeout: float | None = None) -> None:
        return None

    def is_published(self) -> bool:
        return True


class RecordingSink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Receipt:
        with self._lock:
            self.sent.append((topic, payload))
        return Receipt()

    def decoded(self) -> list[Message]:
        with self._lock:
            return [decode(topic, payload) for topic, payload in self.sent]


class GateSource:
    """A microphone stand-in: yields ``count`` blocks, then waits until closed."""

    def __init__(self, count: int = 3) -> None:
        self.count = count
        self.closed = threading.Event()
        self.yielded = threading.Event()

    def blocks(self) -> Iterator[np.ndarray]:
        for _ in range(self.count):
            yield BLOCK
        self.yielded.set()
        self.closed.wait(WAIT_S)

    def close(self) -> None:
        self.closed.set()


class FakePipeline:
    def __init__(self, options: SessionOptions, on_activity: ActivityCallback) -> None:
        self.options = options
        self.on_activity = on_activity

    def run(self, source: object) -> Iterator[Segment]:
        position = 0.0
        for index, block in enumerate(source.blocks()):  # type: ignore[attr-defined]
            if index == 0:
                self.on_activity(True, position)
            yield Segment(position, position + 0.1, f"block {index}", language="en")
            position += len(block) / SAMPLE_RATE
        yield Segment(position, position + 0.05, "flushed", language="en")
        self.on_activity(False, position)


class Rig:
    def __init__(
        self,
        tmp_path: Path,
        *,
        activity: bool = True,
        record: bool = False,
        publisher: Publisher | None = None,
        **options: Any,
    ) -> None:
        self.clock = FakeClock()
        self.sink = RecordingSink()
        identity = Identity("quorum", "hq-f1-aurora", "term-hq-f1-aurora", "boot-1")
        self.publisher = publisher or Publisher(
            MessageBuilder(identity, Sequencer()), self.sink, self.clock
        )
        self.sources: list[GateSource] = []
        self.pipelines: list[FakePipeline] = []
        self.record_dir = tmp_path / "recordings"
        self.minutes = Minutes(
            self.publisher,
            self.clock,
            self.open_source,
            self.make_pipeline,
            activity=ActivityFlag(self.publisher, enabled=activity),
            record_dir=self.record_dir if record else None,
            # No minutes unless a test asks (tests/edge/test_edge_minutes_extract.py).
            **{"extract": None, **options},
        )

    def open_source(self) -> GateSource:
        self.sources.append(GateSource())
        return self.sources[-1]

    def make_pipeline(self, options: SessionOptions, on_activity: ActivityCallback) -> FakePipeline:
        self.pipelines.append(FakePipeline(options, on_activity))
        return self.pipelines[-1]

    def messages(self, kind: type | None = None) -> list[Message]:
        found = self.sink.decoded()
        return [m for m in found if kind is None or isinstance(m.data, kind)]

    def sessions(self) -> list[MinutesSessionData]:
        return [m.data for m in self.messages(MinutesSessionData)]  # type: ignore[misc]

    def transcript(self) -> list[TranscriptData]:
        return [m.data for m in self.messages(TranscriptData)]  # type: ignore[misc]

    def wait_streaming(self) -> None:
        assert self.sources[-1].yielded.wait(WAIT_S)


def start_command(**fields: object) -> MinutesCommand:
    return MinutesCommand(action="start", **fields)  # type: ignore[arg-type]


def test_a_hub_command_starts_a_session_that_publishes_every_segment(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.minutes.handle(
        start_command(title="Launch", roster=["Ana Lima"], language="en", booking_occurrence_id=7)
    )
    rig.wait_streaming()
    rig.minutes.handle(MinutesCommand(action="stop"))
    assert rig.minutes.wait_idle(WAIT_S)

    started, stopped = rig.sessions()
    assert (started.state, started.reason, started.title) == ("started", "hub_command", "Launch")
    assert started.booking_occurrence_id == 7 and not started.recording
    assert (stopped.state, stopped.reason, stopped.segments) == ("stopped", "hub_command", 4)
    assert stopped.session == started.session and stopped.stopped_at is not None
    segments = rig.transcript()
    assert [s.text for s in segments] == ["block 0", "block 1", "block 2", "flushed"]
    assert [s.segment for s in segments] == [0, 1, 2, 3]
    assert {s.session for s in segments} == {started.session}
    assert all(s.started_at == started.started_at for s in segments)
    # The roster and title reach the pipeline as hints.
    assert rig.pipelines[0].options.roster == ("Ana Lima",)
    # In order on the wire: start, the segments, the stop.
    types = [m.envelope.type for m in rig.messages() if m.envelope.type != "speech_activity"]
    assert types == ["minutes_session"] + ["transcript"] * 4 + ["minutes_session"]
    seqs = [m.envelope.seq for m in rig.messages()]
    assert seqs == sorted(seqs)


def test_only_one_session_at_a_time(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rig = Rig(tmp_path)
    caplog.set_level(logging.INFO, logger="edge.minutes")
    assert rig.minutes.start(SessionOptions(reason="hub_command"))
    rig.wait_streaming()
    assert not rig.minutes.start(SessionOptions(reason="button"))
    assert "ignored" in caplog.text
    rig.minutes.stop("hub_command")
    assert rig.minutes.wait_idle(WAIT_S)
    assert [s.state for s in rig.sessions()] == ["started", "stopped"]
    assert len(rig.sources) == 1


def test_a_stop_without_a_session_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rig = Rig(tmp_path)
    caplog.set_level(logging.INFO, logger="edge.minutes")
    assert not rig.minutes.stop("hub_command")
    rig.minutes.handle(MinutesCommand(action="stop"))
    assert rig.sink.sent == [] and "ignored" in caplog.text


def test_the_button_toggles_minutes(tmp_path: Path) -> None:
    from gpiozero import Button

    rig = Rig(tmp_path)
    factory = MockFactory()
    button = Button("GPIO26", pin_factory=factory)
    runtime = SpeechRuntime(rig.minutes, button)
    runtime.start()
    pin = factory.pin(26)
    try:
        pin.drive_low()  # pressed (pull-up: active low)
        pin.drive_high()
        _wait_for(lambda: bool(rig.sources))
        rig.wait_streaming()
        pin.drive_low()
        pin.drive_high()
        _wait_for(lambda: len(rig.sessions()) == 2)
        started, stopped = rig.sessions()
        assert (started.reason, stopped.reason) == ("button", "button")
        assert stopped.segments == 4
    finally:
        runtime.close()
        factory.close()


def test_commands_reach_minutes_through_the_router_and_bad_ones_are_ignored(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    runtime = SpeechRuntime(rig.minutes)
    router = CommandRouter()
    runtime.attach(router)
    runtime.start()
    topic = "quorum/v1/rooms/hq-f1-aurora/devices/term-hq-f1-aurora/cmd/minutes"
    try:
        router.on_message(_paho(topic, b'{"v": 1, "command": {"action": "start"}}'))
        router.on_message(_paho(topic, encode_minutes_command(start_command(title="T"))))
        _wait_for(lambda: bool(rig.sources))
        rig.wait_streaming()
        router.on_message(_paho(topic, encode_minutes_command(MinutesCommand(action="stop"))))
        _wait_for(lambda: len(rig.sessions()) == 2)
        assert rig.sessions()[0].title == "T"
    finally:
        runtime.close()


def test_a_terminal_shutdown_stops_the_session_and_publishes_its_end(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    runtime = SpeechRuntime(rig.minutes)
    runtime.start()
    rig.minutes.start(SessionOptions(reason="hub_command"))
    rig.wait_streaming()
    runtime.close()
    assert rig.sessions()[-1].reason == "shutdown" and rig.sessions()[-1].segments == 4


def test_speech_activity_is_published_on_change_only(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    flag = ActivityFlag(rig.publisher)
    for active in (True, True, False, False, True):
        flag.set(active, rig.clock.now())
    flags = [m.data.active for m in rig.messages(SpeechActivityData)]  # type: ignore[attr-defined]
    assert flags == [True, False, True]
    topic = rig.sink.sent[0][0]
    assert topic.endswith("/events/speech_activity")


def test_a_session_publishes_activity_changes_with_their_audio_time(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.minutes.start(SessionOptions(reason="hub_command"))
    rig.wait_streaming()
    rig.minutes.stop("hub_command")
    assert rig.minutes.wait_idle(WAIT_S)
    changes = rig.messages(SpeechActivityData)
    assert [m.data.active for m in changes] == [True, False]  # type: ignore[attr-defined]
    started = rig.sessions()[0].started_at
    assert changes[0].envelope.ts == started
    assert changes[1].envelope.ts > started


def test_no_activity_flag_when_turned_off(tmp_path: Path) -> None:
    rig = Rig(tmp_path, activity=False)
    rig.minutes.start(SessionOptions(reason="hub_command"))
    rig.wait_streaming()
    rig.minutes.stop("hub_command")
    assert rig.minutes.wait_idle(WAIT_S)
    assert rig.messages(SpeechActivityData) == [] and len(rig.transcript()) == 4


def test_without_record_audio_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rig = Rig(tmp_path, record=False)
    rig.minutes.start(SessionOptions(reason="hub_command"))
    rig.wait_streaming()
    rig.minutes.stop("hub_command")
    assert rig.minutes.wait_idle(WAIT_S)
    assert list(tmp_path.rglob("*")) == []
    assert not any(s.recording for s in rig.sessions())


def test_record_audio_writes_a_private_wav_per_session(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="edge.minutes")
    rig = Rig(tmp_path, record=True)
    rig.minutes.start(SessionOptions(reason="button"))
    rig.wait_streaming()
    rig.minutes.stop("button")
    assert rig.minutes.wait_idle(WAIT_S)
    (wav_path,) = rig.record_dir.glob("*.wav")
    assert "RECORDING IS ON" in caplog.text
    assert os.stat(wav_path).st_mode & 0o777 == 0o600
    assert rig.sessions()[0].session in wav_path.name and rig.sessions()[0].recording
    with wave.open(str(wav_path)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, SAMPLE_RATE, 2)
        assert wav.getnframes() == 3 * len(BLOCK)


def test_a_source_that_cannot_open_is_reported_as_an_error(tmp_path: Path) -> None:
    rig = Rig(tmp_path)

    def broken() -> GateSource:
        raise AudioError("PortAudio is not installed")

    rig.minutes._open_source = broken
    assert not rig.minutes.start(SessionOptions(reason="hub_command"))
    started, stopped = rig.sessions()
    assert started.session == stopped.session and started.state == "started"
    assert stopped.reason == "error" and "PortAudio" in (stopped.detail or "")
    assert not rig.minutes.running


def test_a_pipeline_failure_stops_the_session_with_reason_error(tmp_path: Path) -> None:
    rig = Rig(tmp_path)

    class Failing:
        def run(self, source: object) -> Iterator[Segment]:
            yield Segment(0.0, 1.0, "hello")
            raise RuntimeError("model crashed")

    rig.minutes._make_pipeline = lambda options, on_activity: Failing()
    rig.minutes.start(SessionOptions(reason="hub_command"))
    assert rig.minutes.wait_idle(WAIT_S)
    stopped = rig.sessions()[-1]
    assert (stopped.reason, stopped.segments) == ("error", 1)
    assert "model crashed" in (stopped.detail or "")


def test_audio_from_memory_ends_the_session_by_itself(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.minutes._open_source = lambda: MemorySource(np.zeros(SAMPLE_RATE, dtype=np.float32))
    rig.minutes.start(SessionOptions(reason="hub_command"))
    assert rig.minutes.wait_idle(WAIT_S)
    stopped = rig.sessions()[-1]
    assert stopped.reason == "audio_ended" and stopped.segments == len(rig.transcript()) > 0


def test_speech_messages_are_never_dropped_by_the_spool() -> None:
    root = "quorum/v1/rooms/r/devices/d"
    assert classify(f"{root}/speech/transcript") is MessageClass.SPEECH
    assert classify(f"{root}/speech/minutes") is MessageClass.SPEECH
    assert classify(f"{root}/events/speech_activity") is MessageClass.SENSOR


def test_speech_settings_default_to_off() -> None:
    assert not SpeechSection().enabled and not SpeechSection().record_audio


def _paho(topic: str, payload: bytes) -> paho.MQTTMessage:
    message = paho.MQTTMessage(topic=topic.encode())
    message.payload = payload
    return message


def _wait_for(condition: object, timeout: float = WAIT_S) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():  # type: ignore[operator]
            return
        done.wait(0.01)
    raise AssertionError("condition not met in time")


SPOKEN = "And so, my fellow Americans, ask not what your country can do for you."


def spoken_file(tmp_path: Path) -> Path:
    """A sentence spoken by Piper into a WAV file (the terminal's --speech-from)."""
    from devtools import tts

    try:
        return tts.speak_to_file(SPOKEN, tmp_path / "spoken.wav")
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))


def test_the_real_pipeline_transcribes_a_file_into_a_session(tmp_path: Path) -> None:
    """load_speech as the terminal runs it with --speech-from: tiny.en, Silero VAD, a file."""
    from edge.speech_runtime import SpeechUnavailable, load_speech

    rig = Rig(tmp_path)
    try:
        runtime = load_speech(
            # Minutes only: each session hears the file from its start (no shared room).
            SpeechSection(enabled=True, voice_commands=False),
            rig.publisher,
            rig.clock,
            speech_from=spoken_file(tmp_path),
        )
    except SpeechUnavailable as exc:
        pytest.skip(str(exc))
    runtime.start()
    try:
        assert runtime.minutes.start(SessionOptions(reason="hub_command", roster=("Kennedy",)))
        assert runtime.minutes.wait_idle(120.0)
    finally:
        runtime.close()
    text = " ".join(s.text for s in rig.transcript()).lower()
    assert "fellow americans" in text and "your country" in text
    stopped = rig.sessions()[-1]
    assert stopped.reason == "audio_ended" and stopped.segments == len(rig.transcript())
    flags = [m.data.active for m in rig.messages(SpeechActivityData)]  # type: ignore[attr-defined]
    assert flags[0] is True and flags[-1] is False


def test_a_missing_model_is_a_clear_error_at_start(tmp_path: Path) -> None:
    from edge.speech_runtime import SpeechUnavailable, load_speech

    rig = Rig(tmp_path)
    settings = SpeechSection(enabled=True, model=str(tmp_path / "no-such-model"))
    with pytest.raises(SpeechUnavailable, match="cannot load the speech model"):
        load_speech(settings, rig.publisher, rig.clock, speech_from=tmp_path / "any.wav")
