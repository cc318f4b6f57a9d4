"""The listener with grammar rescoring: when it runs, what it is given, what it changes.

Real Silero VAD on Piper speech; the decoder is a fake that says a scripted text and scores
sentences from a table (test_rescoring_model.py runs the real model)."""

import threading
from collections.abc import Sequence

import numpy as np

from speech.intents.listener import CommandListener, ListenerSettings
from speech.intents.wake import WakePhrases
from tests.speech.audio_fixtures import silence
from tests.speech.intents.test_listener import ScriptedTranscriber, feed, matcher, spoken

__all__ = ["matcher", "spoken"]  # fixtures


class ScoringTranscriber(ScriptedTranscriber):
    """Also scores sentences: ``scores`` by text, 0 for the free text, -30 for the rest."""

    def __init__(self, *script: str, scores: dict[str, float]) -> None:
        super().__init__(*script)
        self.scores = scores
        self.scored: list[tuple[str, list[str]]] = []  # (thread name, texts)

    def hear(self, audio: np.ndarray, offset_s: float = 0.0, prompt: object = None):
        heard = self.transcribe(audio, offset_s, prompt)
        free = heard.segments[0].text if heard.segments else ""

        def scorer(texts: Sequence[str]) -> list[float]:
            self.scored.append((threading.current_thread().name, list(texts)))
            return [self.scores.get(t, 0.0 if t == free else -30.0) for t in texts]

        return heard, scorer


HEARD = "All of this room for 15 minutes."
MEANT = "Hold this room for 15 minutes."


def test_the_rescored_command_is_taken_in_the_early_decode(matcher, spoken) -> None:
    fake = ScoringTranscriber(HEARD, scores={MEANT: -1.0})
    listener = CommandListener(fake, matcher)  # type: ignore[arg-type]
    listener.arm()
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert [(h.text, h.command_text, h.result.intent, h.result.slots) for h in heard] == [
        (HEARD, MEANT, "book_room", {"duration": 15})
    ]
    assert heard[0].early
    assert [thread for thread, _ in fake.scored] == ["command-decoder_0"]  # not at the end
    assert HEARD in fake.scored[0][1]  # the free text is scored with the sentences


def test_far_below_the_free_text_the_matcher_decides(matcher, spoken) -> None:
    fake = ScoringTranscriber(HEARD, scores={MEANT: -12.0})  # the margin is 10
    listener = CommandListener(fake, matcher)  # type: ignore[arg-type]
    listener.arm()
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert [(h.command_text, h.result.intent) for h in heard] == [(HEARD, None)]


def test_after_the_wake_phrase_it_is_scored_as_heard(matcher, spoken) -> None:
    fake = ScoringTranscriber(f"Hey Quorum, {HEARD}", scores={f"Hey Quorum, {MEANT}": -1.0})
    listener = CommandListener(fake, matcher, wake=WakePhrases.default("en"))  # type: ignore[arg-type]
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert [(h.trigger, h.command_text, h.result.intent) for h in heard] == [
        ("wake", MEANT, "book_room")
    ]
    assert all(text.startswith("Hey Quorum, ") for text in fake.scored[0][1])


def test_speech_without_a_trigger_is_not_rescored(matcher, spoken) -> None:
    fake = ScoringTranscriber(HEARD, scores={MEANT: 0.0})
    listener = CommandListener(fake, matcher, wake=WakePhrases.default("en"))  # type: ignore[arg-type]
    assert feed(listener, silence(0.5), spoken, silence(1.5)) == []
    listener.close()
    assert fake.scored == []


def test_rescoring_can_be_turned_off(matcher, spoken) -> None:
    fake = ScoringTranscriber(HEARD, scores={MEANT: 0.0})
    settings = ListenerSettings(rescoring=None)
    listener = CommandListener(fake, matcher, settings=settings)  # type: ignore[arg-type]
    listener.arm()
    heard = feed(listener, silence(0.5), spoken, silence(1.5))
    listener.close()
    assert [h.result.intent for h in heard] == [None]
    assert fake.scored == []
