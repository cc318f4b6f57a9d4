"""Off the record: while a session is paused nothing of the microphone reaches the pipeline
or the recording, the utterance under way is dropped, and segment times stay on the
session's clock. Also consent: the announcement is not transcribed and the light shows
the state (gpiozero MockFactory)."""

import logging
import queue
import threading
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from gpiozero import LED
from gpiozero.pins.mock import MockFactory

from contract.commands import MinutesCommand
from edge.consent import ANNOUNCEMENTS, Consent, MinutesLight
from edge.minutes import ActivityCallback, SessionOptions
from speech.audio.source import SAMPLE_RATE
from speech.segments import Segment
from tests.edge.test_edge_minutes import WAIT_S, Rig, _wait_for

SIZE = SAMPLE_RATE // 10  # 0.1 s blocks
NAMES = ["a1", "a2", "b1", "c1", "c2", "d1", "e1"]
SILENCE = np.zeros(SIZE, dtype=np.float32)


def block(name: str) -> np.ndarray:
    return np.full(SIZE, (NAMES.index(name) + 1) / 100, dtype=np.float32)


def name_of(samples: np.ndarray) -> str:
    level = round(float(samples[0]) * 100)
    return "-" if level == 0 else NAMES[level - 1]


class Microphone:
    """Yields the blocks a test puts, one at a time; ``asked`` counts requests for the next
    one, so a test knows when the previous block has been fully handled."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self.asked = 0

    def blocks(self) -> Iterator[np.ndarray]:
        while True:
            self.asked += 1
            item = self.queue.get(timeout=WAIT_S)
            if item is None:
                return
            yield item

    def close(self) -> None:
        self.queue.put(None)


class UtterancePipeline:
    """A non-silent block is speech; a silent one ends the utterance (one segment)."""

    def __init__(self, heard: list[str]) -> None:
        self.heard = heard

    def run(self, source: object) -> Iterator[Segment]:
        words: list[str] = []
        position = start = 0.0
        for samples in source.blocks():  # type: ignore[attr-defined]
            self.heard.append(name_of(samples))
            if name_of(samples) == "-":
                if words:
                    yield Segment(start, position, " ".join(words), language="en")
                words = []
            else:
                start = position if not words else start
                words.append(name_of(samples))
            position += len(samples) / SAMPLE_RATE
        if words:
            yield Segment(start, position, " ".join(words), language="en")


class MicRig(Rig):
    def __init__(self, tmp_path: Path, **options: object) -> None:
        super().__init__(tmp_path, **options)  # type: ignore[arg-type]
        self.mic = Microphone()
        self.heard: list[str] = []
        self.minutes._open_source = lambda: self.mic
        self.minutes._make_pipeline = self.pipeline

    def pipeline(self, options: SessionOptions, on_activity: ActivityCallback) -> object:
        return UtterancePipeline(self.heard)

    def feed(self, *names: str) -> None:
        for name in names:
            asked = self.mic.asked
            self.mic.queue.put(SILENCE if name == "-" else block(name))
            _wait_for(lambda asked=asked: self.mic.asked > asked)


def test_nothing_said_off_the_record_reaches_the_pipeline(tmp_path: Path) -> None:
    rig = MicRig(tmp_path, record=True)
    rig.minutes.handle(MinutesCommand(action="start"))
    rig.feed("a1", "a2", "-", "b1")  # b1: an utterance under way at the pause
    rig.minutes.handle(MinutesCommand(action="pause"))
    rig.feed("c1", "c2")
    rig.minutes.handle(MinutesCommand(action="resume"))
    rig.feed("d1", "-", "e1")
    rig.minutes.handle(MinutesCommand(action="stop"))
    assert rig.minutes.wait_idle(WAIT_S)

    assert "c1" not in rig.heard and "c2" not in rig.heard
    assert rig.heard == ["a1", "a2", "-", "b1", "d1", "-", "e1"]
    segments = rig.transcript()
    assert [s.text for s in segments] == ["a1 a2", "d1", "e1"]  # b1 was never transcribed
    # Times on the session's clock: d1 is the 7th block although the pipeline saw it 5th.
    assert [s.start_s for s in segments] == [0.0, 0.6, 0.8]
    states = [(s.state, s.reason) for s in rig.sessions()]
    assert states == [
        ("started", "hub_command"),
        ("paused", "hub_command"),
        ("resumed", "hub_command"),
        ("stopped", "hub_command"),
    ]
    # The recording has silence where the room was off the record.
    (path,) = rig.record_dir.glob("*.wav")
    with wave.open(str(path)) as wav:
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert len(pcm) == 9 * SIZE
    assert not pcm[4 * SIZE : 6 * SIZE].any() and pcm[6 * SIZE]


def test_pausing_twice_or_without_a_session_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge.minutes")
    rig = MicRig(tmp_path)
    assert not rig.minutes.pause("voice") and not rig.minutes.resume("voice")
    rig.minutes.start(SessionOptions(reason="button"))
    rig.feed("a1")
    assert rig.minutes.pause("voice") and not rig.minutes.pause("hub_command")
    assert rig.minutes.resume("voice") and not rig.minutes.resume("voice")
    rig.minutes.stop("button")
    assert rig.minutes.wait_idle(WAIT_S)
    assert [s.state for s in rig.sessions()] == ["started", "paused", "resumed", "stopped"]
    assert rig.sessions()[1].reason == "voice"
    assert caplog.text.count("ignored") == 4


def test_a_stop_while_paused_ends_the_session(tmp_path: Path) -> None:
    rig = MicRig(tmp_path)
    rig.minutes.start(SessionOptions(reason="hub_command"))
    rig.feed("a1", "-", "b1")
    rig.minutes.toggle_off_record()
    rig.feed("c1")
    rig.minutes.stop("hub_command")
    assert rig.minutes.wait_idle(WAIT_S)
    assert [s.text for s in rig.transcript()] == ["a1"]
    assert rig.sessions()[1].reason == "button" and rig.sessions()[-1].segments == 1


class HeldAnnouncer:
    """Says nothing until the test lets it finish."""

    def __init__(self, languages: tuple[str, ...] = ("en",)) -> None:
        self.languages = languages
        self.said: list[tuple[str, str]] = []
        self.saying = threading.Event()
        self.done = threading.Event()

    def speaks(self, language: str) -> bool:
        return language in self.languages

    def say(self, text: str, language: str) -> None:
        self.said.append((text, language))
        self.saying.set()
        self.done.wait(WAIT_S)


def test_the_announcement_is_not_transcribed_and_the_light_shows_the_state(
    tmp_path: Path,
) -> None:
    factory = MockFactory()
    light = MinutesLight(LED("GPIO13", pin_factory=factory))
    pin = factory.pin(13)
    announcer = HeldAnnouncer()
    rig = MicRig(tmp_path, consent=Consent(light, announcer))
    try:
        rig.minutes.start(SessionOptions(reason="hub_command"))
        assert announcer.saying.wait(WAIT_S)
        assert light.state == "on" and pin.state
        rig.feed("a1", "a2")  # the terminal's own voice, heard by its microphone
        announcer.done.set()
        _wait_for(lambda: not rig.minutes._session.gate.held)  # type: ignore[union-attr]
        rig.feed("b1", "-")
        rig.minutes.pause("button")
        assert light.state == "blinking"
        _wait_for(lambda: len({s.state for s in pin.states}) == 2 and not pin.state)
        rig.minutes.resume("button")
        assert light.state == "on"
        rig.minutes.stop("hub_command")
        assert rig.minutes.wait_idle(WAIT_S)
        assert light.state == "off" and not pin.state
    finally:
        factory.close()
    assert announcer.said == [(ANNOUNCEMENTS["en"], "en")]
    assert rig.heard == ["b1", "-"] and [s.text for s in rig.transcript()] == ["b1"]
    assert rig.transcript()[0].start_s == 0.2


@pytest.mark.parametrize(
    ("session_language", "voices", "said"),
    [
        ("zh", ("en", "zh"), [(ANNOUNCEMENTS["zh"], "zh")]),
        ("zh", ("en",), [(ANNOUNCEMENTS["en"], "en")]),
        ("auto", ("en", "zh"), [(ANNOUNCEMENTS["en"], "en")]),
        ("en", (), []),
    ],
)
def test_the_announcement_is_in_the_session_language_when_a_voice_speaks_it(
    tmp_path: Path, session_language: str, voices: tuple[str, ...], said: list[object]
) -> None:
    announcer = HeldAnnouncer(voices)
    announcer.done.set()
    rig = MicRig(tmp_path, consent=Consent(None, announcer))
    rig.minutes.start(SessionOptions(reason="hub_command", language=session_language))
    if said:
        assert announcer.saying.wait(WAIT_S)
    rig.minutes.stop("hub_command")
    assert rig.minutes.wait_idle(WAIT_S)
    assert announcer.said == said
