"""The command listener: triggers, the early decode and what is dropped.

Real Silero VAD on Piper speech; the transcriber is a fake that records what it was given
(these tests are about the listener's logic; test_listener_model.py runs the real model)."""

import threading
from pathlib import Path

import numpy as np
import pytest

from speech.audio.source import SAMPLE_RATE
from speech.intents.listener import CommandListener, HeardCommand, ListenerSettings
from speech.intents.loading import load_grammar
from speech.intents.matcher import Matcher
from speech.intents.wake import WakePhrases
from speech.segments import Segment
from speech.transcriber import Transcription
from tests.speech.audio_fixtures import silence, synthesize

GRAMMAR = Path(__file__).resolve().parents[3] / "speech" / "intents" / "grammars" / "room_en.yaml"


class ScriptedTranscriber:
    """Says the next text of ``script`` for each new utterance start; records every call."""

    language = "en"

    def __init__(self, *script: str, alternatives: tuple[str, ...] = ()) -> None:
        self.script = list(script)
        self.alternatives = list(alternatives)
        self.calls: list[tuple[float, np.ndarray]] = []
        self.prompts: list[object] = []
        self._texts: dict[float, str] = {}
        self._lock = threading.Lock()

    def transcribe(self, audio: np.ndarray, offset_s: float = 0.0, prompt: object = None):
        with self._lock:
            self.calls.append((offset_s, audio.copy()))
            self.prompts.append(prompt)
            if offset_s not in self._texts:
                self._texts[offset_s] = self.script.pop(0) if self.script else ""
            text = self._texts[offset_s]
        end = offset_s + len(audio) / SAMPLE_RATE
        segments = [Segment(offset_s, end, text, True, "en")] if text else []
        return Transcription(segments, "en", alternatives=self.alternatives)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_grammar(GRAMMAR, "en"))


@pytest.fixture(scope="module")
def spoken() -> np.ndarray:
    """A short spoken command (its words do not matter: the fake says what was 'heard')."""
    return synthesize(("Release the room.",))[0]


def feed(listener: CommandListener, *parts: np.ndarray) -> list[HeardCommand]:
    audio = np.concatenate(parts)
    heard: list[HeardCommand] = []
    for start in range(0, len(audio), 512):
        heard += listener.feed(audio[start : start + 512])
    return heard + listener.finish()


def make(matcher: Matcher, transcriber: ScriptedTranscriber, **kw: object) -> CommandListener:
    listener = CommandListener(transcriber, matcher, **kw)  # type: ignore[arg-type]
    return listener


def test_push_to_talk_command_uses_the_early_decode(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Release the room.")
    listener = make(matcher, fake)
    listener.arm()
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert len(heard) == 1
    command = heard[0]
    assert (command.trigger, command.result.intent, command.early) == ("ptt", "release_room", True)
    assert len(fake.calls) == 1  # decoded once, early; the end only collected the result
    assert len(fake.calls[0][1]) == round((command.end_s - command.start_s) * SAMPLE_RATE)


def test_the_early_decode_sees_the_same_audio_as_a_late_one(matcher, spoken) -> None:
    early, late = ScriptedTranscriber("Release the room."), ScriptedTranscriber("Release the room.")
    for fake, speculate in ((early, True), (late, False)):
        listener = make(matcher, fake, settings=ListenerSettings(speculate=speculate))
        listener.arm()
        feed(listener, silence(0.5), spoken, silence(1.5))
        listener.close()
    assert len(early.calls) == len(late.calls) == 1
    assert early.calls[0][0] == late.calls[0][0]
    np.testing.assert_array_equal(early.calls[0][1], late.calls[0][1])


def test_speech_that_resumes_is_decoded_whole(matcher, spoken) -> None:
    """A pause longer than the padding but shorter than the end: the first early decode is
    stale, and the command is what was decoded of the whole utterance."""
    fake = ScriptedTranscriber("Release the room.")
    listener = make(matcher, fake)
    listener.arm()
    heard = feed(listener, silence(0.5), spoken, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert len(heard) == 1
    whole = round((heard[0].end_s - heard[0].start_s) * SAMPLE_RATE)
    assert len(fake.calls) >= 2
    assert len(fake.calls[-1][1]) == whole
    assert all(len(audio) < whole for _, audio in fake.calls[:-1])


def test_without_a_trigger_nothing_is_transcribed(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Release the room.")
    listener = make(matcher, fake)  # no wake phrase, push-to-talk not pressed
    assert feed(listener, silence(0.5), spoken, silence(1.5)) == []
    listener.close()
    assert fake.calls == []


def test_push_to_talk_expires(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Release the room.")
    listener = make(matcher, fake, settings=ListenerSettings(ptt_window_s=2.0))
    listener.arm()
    assert feed(listener, silence(3.0), spoken, silence(1.5)) == []
    listener.close()


def test_one_command_per_press(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Release the room.", "Start minutes.")
    listener = make(matcher, fake)
    listener.arm()
    heard = feed(listener, silence(0.3), spoken, silence(1.0), spoken, silence(1.5))
    listener.close()
    assert [h.result.intent for h in heard] == ["release_room"]


def test_wake_phrase_then_command_in_one_breath(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Hey Quorum, release the room.")
    listener = make(matcher, fake, wake=WakePhrases.default("en"))
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert [(h.trigger, h.command_text, h.result.intent) for h in heard] == [
        ("wake", "release the room", "release_room")
    ]


def test_ordinary_speech_is_dropped_with_its_text(matcher, spoken) -> None:
    fake = ScriptedTranscriber("We should release the room soon.")
    listener = make(matcher, fake, wake=WakePhrases.default("en"))
    assert feed(listener, silence(0.5), spoken, silence(1.5)) == []
    listener.close()
    assert len(fake.calls) == 1  # heard (to look for the phrase), then forgotten


def test_wake_phrase_alone_then_the_command(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Hey Quorum.", "Release the room.", "Release the room.")
    listener = make(matcher, fake, wake=WakePhrases.default("en"))
    heard = feed(
        listener, silence(0.5), spoken, silence(1.2), spoken, silence(8.0), spoken, silence(1.5)
    )
    listener.close()
    assert [(h.wake_only, h.trigger, h.result.intent) for h in heard] == [
        (True, "wake", None),
        (False, "wake", "release_room"),
    ]  # the third, long after, had no trigger


def test_a_rejected_command_is_returned_as_such(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Please water the plants.")
    listener = make(matcher, fake)
    listener.arm()
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert len(heard) == 1 and not heard[0].accepted and heard[0].trigger == "ptt"


def test_reset_forgets_the_open_utterance_and_the_press(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Release the room.")
    listener = make(matcher, fake)
    listener.arm()
    head = spoken[: len(spoken) // 2]
    for start in range(0, len(head), 512):
        listener.feed(head[start : start + 512])
    listener.reset()  # muted mid-command
    assert feed(listener, silence(0.5), spoken, silence(1.5)) == []
    listener.close()


def test_a_runner_up_the_grammar_accepts_saves_a_command(matcher, spoken) -> None:
    fake = ScriptedTranscriber(
        "Release the run.", alternatives=("Please the plants.", "Release the room.")
    )
    listener = make(matcher, fake)
    listener.arm()
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert [(h.text, h.command_text, h.result.intent) for h in heard] == [
        ("Release the run.", "Release the room.", "release_room")
    ]


def test_a_runner_up_never_makes_ordinary_speech_a_command(matcher, spoken) -> None:
    fake = ScriptedTranscriber(
        "We should release the room soon.", alternatives=("Hey Quorum, release the room.",)
    )
    listener = make(matcher, fake, wake=WakePhrases.default("en"))
    assert feed(listener, silence(0.5), spoken, silence(1.5)) == []
    listener.close()


def test_an_accepted_best_text_is_kept(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Start minutes.", alternatives=("Stop minutes.",))
    listener = make(matcher, fake)
    listener.arm()
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert [h.result.intent for h in heard] == ["start_minutes"]


def test_the_rooms_names_become_whispers_hints(matcher, spoken) -> None:
    fake = ScriptedTranscriber("Release the room.", "Release the room.")
    listener = make(matcher, fake)
    listener.set_names(["Ana Lima", "Chen Wei"])
    listener.arm()
    feed(listener, silence(0.5), spoken, silence(1.5))
    listener.set_names([])
    listener.arm()
    feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    hints = [getattr(p, "hotwords", None) for p in fake.prompts]
    assert hints == ["Ana Lima, Chen Wei", None]
