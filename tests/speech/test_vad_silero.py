"""SileroVad on real (Piper) speech, silence and noise."""

from pathlib import Path

import numpy as np
import pytest

from speech.vad.silero import WINDOW, SileroVad, VadModelError
from tests.speech import audio_fixtures
from tests.speech.audio_fixtures import silence, white_noise

sentences = audio_fixtures.sentences  # the session fixture: Piper speech


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


def whole_windows(samples: np.ndarray) -> np.ndarray:
    return samples[: len(samples) - len(samples) % WINDOW]


def test_speech_is_likely_and_silence_and_noise_are_not(
    vad: SileroVad, sentences: list[np.ndarray]
) -> None:
    vad.reset()
    speech = vad.probabilities(whole_windows(sentences[0]))
    assert np.mean(speech > 0.5) > 0.5
    assert speech.max() > 0.9
    vad.reset()
    assert vad.probabilities(whole_windows(silence(5.0))).max() < 0.2
    vad.reset()
    assert np.mean(vad.probabilities(whole_windows(white_noise(5.0))) > 0.5) < 0.05


def test_batched_equals_one_window_at_a_time(vad: SileroVad, sentences: list[np.ndarray]) -> None:
    audio = whole_windows(np.concatenate([silence(0.5), sentences[0]]))
    vad.reset()
    batched = vad.probabilities(audio)
    vad.reset()
    single = np.array([vad.probability(w) for w in audio.reshape(-1, WINDOW)])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    # ...and in uneven pieces: the state (h, c, context) is carried across calls.
    vad.reset()
    pieces = np.split(audio, [WINDOW * 3, WINDOW * 10, WINDOW * 11])
    np.testing.assert_allclose(
        np.concatenate([vad.probabilities(p) for p in pieces]), single, atol=1e-5
    )


def test_reset_forgets_the_stream(vad: SileroVad, sentences: list[np.ndarray]) -> None:
    audio = whole_windows(sentences[0])
    middle = audio[WINDOW * 40 : WINDOW * 41]
    vad.reset()
    vad.probabilities(audio[: WINDOW * 40])
    carried = vad.probability(middle)
    vad.reset()
    fresh = vad.probability(middle)
    assert carried != pytest.approx(fresh, abs=1e-6)
    vad.reset()
    assert vad.probability(middle) == pytest.approx(fresh, abs=1e-6)


def test_window_sizes_are_checked(vad: SileroVad) -> None:
    with pytest.raises(ValueError, match="512"):
        vad.probability(np.zeros(500, dtype=np.float32))
    with pytest.raises(ValueError, match="multiple of 512"):
        vad.probabilities(np.zeros(1000, dtype=np.float32))
    assert vad.probabilities(np.zeros(0, dtype=np.float32)).shape == (0,)


def test_missing_model_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(VadModelError, match="pip install"):
        SileroVad(tmp_path / "silero_vad_v6.onnx")


def test_missing_onnxruntime_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime", None)
    with pytest.raises(VadModelError, match="pip install onnxruntime"):
        SileroVad()
