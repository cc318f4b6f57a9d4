"""Commands through the real tiny.en, on the short encoder window, through the listener."""

from pathlib import Path

import numpy as np
import pytest

from speech.intents.listener import CommandListener
from speech.intents.loading import load_grammar
from speech.intents.matcher import Matcher
from speech.intents.wake import WakePhrases
from speech.short_window import ShortWindowSettings, ShortWindowTranscriber
from speech.transcriber import Transcriber, join_texts
from tests.speech.audio_fixtures import silence, synthesize, white_noise

GRAMMAR = Path(__file__).resolve().parents[3] / "speech" / "intents" / "grammars" / "room_en.yaml"
COMMANDS = (
    "Hey Quorum, extend the meeting by fifteen minutes.",
    "Okay Quorum, release the room.",
    "Hey Quorum, what's next in this room?",
)


@pytest.fixture(scope="module")
def short(tiny_en: Transcriber) -> ShortWindowTranscriber:
    return ShortWindowTranscriber(tiny_en)


def test_short_window_hears_commands_as_the_full_window_does(tiny_en, short) -> None:
    matcher = Matcher(load_grammar(GRAMMAR, "en"))
    for audio in synthesize(COMMANDS):
        clip = np.concatenate([silence(0.3), audio, silence(0.3)])
        ours = join_texts(short.transcribe(clip).segments)
        full = join_texts(tiny_en.transcribe(clip).segments)
        spotted_ours = WakePhrases.default("en").spot(ours)
        spotted_full = WakePhrases.default("en").spot(full)
        assert spotted_ours is not None and spotted_full is not None
        ours_result = matcher.match(spotted_ours.rest)
        full_result = matcher.match(spotted_full.rest)
        assert ours_result.intent is not None
        assert (ours_result.intent, ours_result.slots) == (full_result.intent, full_result.slots)


def test_short_window_offsets_and_no_words_from_noise(short) -> None:
    audio = np.concatenate([silence(0.3), synthesize(COMMANDS[:1])[0], silence(0.3)])
    heard = short.transcribe(audio, offset_s=12.0)
    assert len(heard.segments) == 1
    assert heard.segments[0].start == 12.0
    assert heard.segments[0].end == pytest.approx(12.0 + len(audio) / 16_000)
    assert short.transcribe(silence(3.0)).segments == []
    assert short.transcribe(white_noise(3.0, level=0.05)).segments == []
    assert short.transcribe(np.zeros(0, np.float32)).segments == []


def counting(tiny_en: Transcriber, calls: list[int]) -> Transcriber:
    """tiny_en, counting the full-window decodes."""

    class Counting:
        language = tiny_en.language
        multilingual = tiny_en.multilingual
        whisper = tiny_en.whisper
        settings = tiny_en.settings

        def transcribe(self, audio, offset_s=0.0, prompt=None):
            calls.append(len(audio))
            return tiny_en.transcribe(audio, offset_s, prompt)

    return Counting()  # type: ignore[return-value]


def test_long_audio_goes_to_the_full_window(tiny_en) -> None:
    calls: list[int] = []
    short = ShortWindowTranscriber(counting(tiny_en, calls), ShortWindowSettings(max_s=2.0))
    audio = np.concatenate([silence(0.3), synthesize(COMMANDS[:1])[0], silence(0.3)])
    assert len(audio) > 2 * 16_000
    assert short.transcribe(audio).segments  # heard, by the full window
    assert calls == [len(audio)]


def test_a_text_that_runs_to_the_bound_is_decoded_again_on_the_full_window(tiny_en) -> None:
    calls: list[int] = []
    # A few tokens: the text reaches the bound.
    bound = ShortWindowSettings(max_tokens_per_s=0.5, min_tokens=6)
    short = ShortWindowTranscriber(counting(tiny_en, calls), bound)
    audio = np.concatenate([silence(0.3), synthesize(COMMANDS[:1])[0], silence(0.3)])
    heard = join_texts(short.transcribe(audio).segments).lower()
    assert "minutes" in heard  # all of it, from the full window
    assert calls == [len(audio)]


def test_listener_with_the_real_model(short) -> None:
    matcher = Matcher(load_grammar(GRAMMAR, "en"))
    listener = CommandListener(short, matcher, wake=WakePhrases.default("en"))
    spoken = synthesize((COMMANDS[0], "The budget review went well, thanks everyone."))
    audio = np.concatenate([silence(0.5), spoken[0], silence(1.2), spoken[1], silence(1.5)])
    heard = []
    for start in range(0, len(audio), 512):
        heard += listener.feed(audio[start : start + 512])
    heard += listener.finish()
    listener.close()
    assert [(h.trigger, h.result.intent, h.result.slots) for h in heard] == [
        ("wake", "extend_meeting", {"duration": 15})
    ]
