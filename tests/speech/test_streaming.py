"""The streaming pipeline with the real Silero VAD and tiny.en: utterances as they end."""

from pathlib import Path

import numpy as np
import pytest

from devtools import tts
from devtools.wer import word_error_rate
from speech.audio.source import SAMPLE_RATE
from speech.audio.sources import FileSource, MemorySource
from speech.grouping import GroupingSettings
from speech.prompt import domain_prompt
from speech.segments import Segment
from speech.streaming import StreamingTranscriber, StreamSettings
from speech.transcriber import Transcriber, join_texts

JFK = (
    "And so, my fellow Americans, ask not what your country can do for you,"
    " ask what you can do for your country."
)
SCRIPT = [
    "Good morning everyone, let's start with the budget review.",
    "We will send the updated slides by Friday.",
]
ALONE = StreamSettings(grouping=GroupingSettings(min_group_s=0.0))


@pytest.fixture(scope="module")
def spoken() -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    try:
        return tts.speak_script(SCRIPT, gap_s=2.5)
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))


def test_jfk_through_the_streaming_path(tiny_en: Transcriber, shared_audio: Path) -> None:
    segments = list(StreamingTranscriber(tiny_en).run(FileSource(shared_audio / "jfk.flac")))
    assert word_error_rate(JFK, join_texts(segments)) <= 0.05
    assert all(s.final for s in segments)
    assert [s.start for s in segments] == sorted(s.start for s in segments)


@pytest.mark.parametrize("kind", ["silence", "white noise"])
def test_thirty_seconds_without_speech_give_no_words(tiny_en: Transcriber, kind: str) -> None:
    n = 30 * SAMPLE_RATE
    audio = (
        np.zeros(n, np.float32)
        if kind == "silence"
        else np.random.default_rng(3).normal(0, 0.2, n).astype(np.float32)
    )
    pipeline = StreamingTranscriber(tiny_en)
    assert list(pipeline.run(MemorySource(audio))) == []
    assert pipeline.utterances == 0


def test_each_utterance_is_emitted_when_it_ends(tiny_en: Transcriber, spoken: tuple) -> None:
    audio, timing = spoken
    pipeline = StreamingTranscriber(tiny_en, ALONE)
    emitted: list[tuple[float, Segment]] = []  # (audio fed so far, segment)
    for block in MemorySource(audio, block_s=0.1).blocks():
        emitted += [(pipeline.position_s, s) for s in pipeline.feed(block)]
    emitted += [(pipeline.position_s, s) for s in pipeline.finish()]
    first_end = timing[0][1]
    second_start = timing[1][0]
    # The first sentence came out during the pause, before the second was spoken.
    before = [s for fed, s in emitted if fed < second_start]
    assert word_error_rate(SCRIPT[0], join_texts(before)) <= 0.1
    assert all(first_end - 0.5 <= fed < second_start for fed, _ in emitted[: len(before)])
    assert word_error_rate(" ".join(SCRIPT), join_texts([s for _, s in emitted])) <= 0.1
    for _, segment in emitted:  # times are where the words are, in stream seconds
        sentence = timing[0] if segment.start < second_start - 0.5 else timing[1]
        assert sentence[0] - 0.5 <= segment.start <= segment.end <= sentence[1] + 0.5


def test_speech_activity_goes_on_and_off_without_audio(tiny_en: Transcriber, spoken: tuple) -> None:
    audio, timing = spoken
    changes: list[tuple[bool, float]] = []
    quiet = np.zeros(8 * SAMPLE_RATE, np.float32)
    pipeline = StreamingTranscriber(
        tiny_en, ALONE, on_activity=lambda active, at: changes.append((active, at))
    )
    for block in MemorySource(np.concatenate([audio, quiet])).blocks():
        pipeline.feed(block)
    assert [active for active, _ in changes] == [True, False]
    assert changes[0][1] <= timing[0][0] + 0.5
    assert changes[1][1] >= timing[-1][1]  # held over the pause between the sentences


def test_interim_hypotheses_come_before_the_final_segment(
    tiny_en: Transcriber, spoken: tuple
) -> None:
    audio, timing = spoken
    first = audio[: round((timing[0][1] + 1.5) * SAMPLE_RATE)]
    pipeline = StreamingTranscriber(
        tiny_en, StreamSettings(interim_every_s=1.0, grouping=GroupingSettings(min_group_s=0.0))
    )
    segments = list(pipeline.run(MemorySource(first, block_s=0.1)))
    finals = [s for s in segments if s.final]
    interims = [s for s in segments if not s.final]
    assert interims and finals
    assert segments.index(finals[0]) > segments.index(interims[0])
    assert word_error_rate(SCRIPT[0], join_texts(finals)) <= 0.1


def test_a_file_source_is_closed_after_the_run(tiny_en: Transcriber, spoken: tuple) -> None:
    audio, _ = spoken
    source = MemorySource(audio)
    closed: list[bool] = []
    source.close = lambda: closed.append(True)  # type: ignore[method-assign]
    list(StreamingTranscriber(tiny_en).run(source))
    assert closed == [True]


@pytest.mark.parametrize("name", ["Priya", "Chen Wei", "Niamh"])
def test_the_roster_prompt_brings_out_names(tiny_en: Transcriber, name: str) -> None:
    try:
        audio = tts.synthesize(f"{name} will send the updated slides by Friday.")
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    roster = [f"{name} Smith", "Ana Lima", "Ben Okafor"]
    hinted = StreamSettings(prompt=domain_prompt(roster, "Budget review"))
    plain_text = join_texts(list(StreamingTranscriber(tiny_en).run(MemorySource(audio))))
    hinted_text = join_texts(list(StreamingTranscriber(tiny_en, hinted).run(MemorySource(audio))))
    assert name not in plain_text  # tiny.en alone hears "Korea", "and why", "Now we'll"
    assert hinted_text.startswith(f"{name} will send the updated slides")
