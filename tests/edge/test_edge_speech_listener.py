"""The speech-activity listener between minutes sessions: real Silero VAD, no Whisper."""

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from common.clock import FakeClock
from contract.messages import MinutesSessionData
from edge.minutes import Minutes, SessionOptions
from edge.speech_listener import ActivityListener
from speech.audio.source import SAMPLE_RATE
from speech.vad.activity import ActivityFlag, VoiceActivity
from speech.vad.endpointer import Endpointer
from speech.vad.silero import SileroVad
from tests.edge.test_edge_minutes import WAIT_S, Rig

SAID = "Could everyone please find a seat, we are about to start."


class Microphone:
    """Yields ``audio`` in 32 ms blocks, then silence, until closed (as a live input does)."""

    def __init__(self, audio: np.ndarray) -> None:
        self.audio = audio
        self.closed = threading.Event()
        self.opened = 0

    def blocks(self) -> Iterator[np.ndarray]:
        self.opened += 1
        block = 512
        for start in range(0, len(self.audio), block):
            if self.closed.is_set():
                return
            yield self.audio[start : start + block]
        while not self.closed.is_set():
            yield np.zeros(block, np.float32)

    def close(self) -> None:
        self.closed.set()


class Flags:
    def __init__(self) -> None:
        self.changes: list[tuple[bool, datetime]] = []
        self.changed = threading.Condition()

    def set(self, active: bool, at: datetime) -> None:
        with self.changed:
            if not self.changes or self.changes[-1][0] != active:
                self.changes.append((active, at))
                self.changed.notify_all()

    def wait_for(self, count: int) -> list[bool]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.changes) >= count, WAIT_S)
            return [active for active, _ in self.changes]


def detector(on_change: object) -> VoiceActivity:
    return VoiceActivity(SileroVad(), Endpointer(), ActivityFlag(on_change, hold_s=1.0))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    from devtools import tts

    try:
        return tts.synthesize(SAID)
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))


def test_talking_between_sessions_turns_the_flag_on_then_off(speech: np.ndarray) -> None:
    microphone = Microphone(speech)
    flags = Flags()
    clock = FakeClock()
    listener = ActivityListener(lambda: microphone, detector, flags, clock)
    listener.resume()
    try:
        assert flags.wait_for(2) == [True, False]  # off 1 s (hold) after the sentence ended
    finally:
        listener.pause()
    assert microphone.closed.is_set() and not listener.listening
    on_at = (flags.changes[0][1] - clock.now()).total_seconds()
    assert 0.0 <= on_at <= 0.6  # where the sentence starts, in the audio's own time


def test_silence_keeps_the_flag_off(speech: np.ndarray) -> None:
    microphone = Microphone(np.zeros(5 * SAMPLE_RATE, np.float32))
    flags = Flags()
    listener = ActivityListener(lambda: microphone, detector, flags, FakeClock())
    listener.resume()
    with flags.changed:
        assert not flags.changed.wait_for(lambda: bool(flags.changes), 1.0)
    listener.pause()
    assert flags.changes == []


def test_a_microphone_that_cannot_open_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> Microphone:
        raise OSError("PortAudio library not found")

    listener = ActivityListener(broken, detector, Flags(), FakeClock())
    listener.resume()
    assert not listener.listening
    assert "cannot open the microphone" in caplog.text


class FakeListener:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")


def test_a_session_takes_the_microphone_and_gives_it_back(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    listener = FakeListener()
    rig.minutes = Minutes(
        rig.publisher, rig.clock, rig.open_source, rig.make_pipeline, listener=listener
    )
    assert rig.minutes.start(SessionOptions(reason="button"))
    assert listener.calls == ["pause"]  # before the session opened its source
    rig.wait_streaming()
    rig.minutes.stop("button")
    assert rig.minutes.wait_idle(WAIT_S)
    assert listener.calls == ["pause", "resume"]
    assert [s.state for s in rig.sessions()] == ["started", "stopped"]
    assert isinstance(rig.sessions()[0], MinutesSessionData)
