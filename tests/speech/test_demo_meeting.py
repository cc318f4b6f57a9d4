"""The demo's spoken meeting: the corpus's first meeting, as a WAV a terminal can read."""

from pathlib import Path

import pytest

from devtools import demo_speech, tts
from speech.audio.sources import FileSource


def test_the_first_meeting_of_the_corpus() -> None:
    title, sentences = demo_speech.first_meeting()
    assert title == "Weekly product sync"
    assert len(sentences) >= 10
    assert sentences[0].startswith("Good morning everyone")
    assert not any(s.startswith("#") for s in sentences)


def test_the_meeting_is_written_as_audio_a_terminal_reads(tmp_path: Path) -> None:
    try:
        tts.synthesize("warm up")
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    path = demo_speech.make_meeting_audio(tmp_path / "meeting.wav")
    assert path is not None
    source = FileSource(path)
    _, sentences = demo_speech.first_meeting()
    # The file's length in samples (not a timing): every sentence, with the pauses between.
    speech_samples = sum(tts.synthesize(s).size for s in sentences)
    pauses = round(source.samples.size - speech_samples)
    gaps = len(sentences) - 1
    assert 0.4 * gaps * tts.SAMPLE_RATE <= pauses <= 1.2 * gaps * tts.SAMPLE_RATE
