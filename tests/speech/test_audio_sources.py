"""FileSource, MemorySource, read_audio and select_channel on small generated files."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.audio.source import SAMPLE_RATE, AudioError
from speech.audio.sources import FileSource, MemorySource, read_audio, select_channel
from tests.speech.audio_fixtures import SHARED_AUDIO, tone


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)[int(np.argmax(spectrum))])


@pytest.fixture
def stereo_wav(tmp_path: Path) -> Path:
    """44.1 kHz stereo: 440 Hz on the left, 1000 Hz on the right, 1 s."""
    path = tmp_path / "stereo.wav"
    left, right = tone(1.0, 440, rate=44_100), tone(1.0, 1000, rate=44_100)
    sf.write(path, np.stack([left, right], axis=1), 44_100)
    return path


def test_mono_flac_is_decoded_and_resampled(tmp_path: Path) -> None:
    path = tmp_path / "mono.flac"
    sf.write(path, tone(2.0, 300, rate=44_100), 44_100)
    source = FileSource(path)
    assert source.duration_s == pytest.approx(2.0, abs=0.01)
    blocks = list(source.blocks())
    assert all(b.dtype == np.float32 and b.ndim == 1 for b in blocks)
    assert [len(b) for b in blocks] == [8000, 8000, 8000, 8000]
    assert dominant_hz(np.concatenate(blocks)) == pytest.approx(300, abs=2)


def test_stereo_channels_are_selected(stereo_wav: Path) -> None:
    left = read_audio(stereo_wav, "left")
    right = read_audio(stereo_wav, "right")
    mix = read_audio(stereo_wav, "mix")
    assert len(left) == len(right) == len(mix) == pytest.approx(SAMPLE_RATE, abs=20)
    assert dominant_hz(left) == pytest.approx(440, abs=2)
    assert dominant_hz(right) == pytest.approx(1000, abs=2)
    spectrum = np.abs(np.fft.rfft(mix))
    freqs = np.fft.rfftfreq(len(mix), 1 / SAMPLE_RATE)
    peaks = sorted(float(f) for f in freqs[np.argsort(spectrum)[-2:]])
    assert peaks == [pytest.approx(440, abs=2), pytest.approx(1000, abs=2)]


def test_left_or_right_of_a_mono_file_is_the_mono(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    sf.write(path, tone(0.5, 500), SAMPLE_RATE)
    mono = read_audio(path)
    np.testing.assert_array_equal(read_audio(path, "left"), mono)
    np.testing.assert_array_equal(read_audio(path, "right"), mono)
    assert np.abs(mono).max() == pytest.approx(0.5, abs=0.01)  # not upmixed at -3 dB


def test_close_stops_the_blocks(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    sf.write(path, tone(3.0, 500), SAMPLE_RATE)
    source = FileSource(path, block_s=0.1)
    taken = []
    for block in source.blocks():
        taken.append(block)
        if len(taken) == 3:
            source.close()
    assert len(taken) == 3


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("random.wav", np.random.default_rng(3).bytes(4000), "not audio"),
        ("notes.txt", b"minutes of the meeting\n" * 20, "not audio"),
        ("empty.wav", b"", "empty"),
    ],
)
def test_unreadable_files_raise_audio_error(
    tmp_path: Path, name: str, content: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AudioError, match=words) as info:
        FileSource(path)
    assert str(path) in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="not found"):
        FileSource(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="not a file"):
        read_audio(tmp_path)


def test_a_file_without_samples_contains_no_audio(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), SAMPLE_RATE)
    with pytest.raises(AudioError, match="contains no audio"):
        FileSource(path)


def test_memory_source_takes_int16_stereo_at_another_rate() -> None:
    left = (tone(1.0, 440, rate=22_050) * 32767).astype(np.int16)
    right = np.zeros_like(left)
    stereo = np.stack([left, right], axis=1)
    source = MemorySource(stereo, sample_rate=22_050, channel="left", block_s=0.25)
    samples = np.concatenate(list(source.blocks()))
    assert samples.dtype == np.float32
    assert len(samples) == pytest.approx(SAMPLE_RATE, abs=20)
    assert np.abs(samples).max() == pytest.approx(0.5, abs=0.02)
    assert dominant_hz(samples) == pytest.approx(440, abs=2)
    assert np.abs(MemorySource(stereo, 22_050, channel="right").samples).max() == 0


def test_memory_source_at_16k_is_unchanged() -> None:
    samples = tone(0.3, 200)
    np.testing.assert_array_equal(MemorySource(samples).samples, samples)


def test_select_channel() -> None:
    stereo = np.array([[0.2, 0.4], [0.6, 0.8]], dtype=np.float32)
    np.testing.assert_allclose(select_channel(stereo, "mix"), [0.3, 0.7])
    np.testing.assert_allclose(select_channel(stereo, "left"), [0.2, 0.6])
    np.testing.assert_allclose(select_channel(stereo, "right"), [0.4, 0.8])
    np.testing.assert_allclose(select_channel(stereo[:, :1], "right"), [0.2, 0.6])
    np.testing.assert_allclose(select_channel(np.array([16384], np.int16), "mix"), [0.5])
    with pytest.raises(ValueError):
        select_channel(stereo, "centre")  # type: ignore[arg-type]


def test_shared_stereo_recording_has_different_channels() -> None:
    path = SHARED_AUDIO / "stereo_diarization.wav"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared test audio is not checked out)")
    left, right = read_audio(path, "left"), read_audio(path, "right")
    assert len(left) == len(right) > 0
    assert not np.allclose(left, right, atol=1e-3)
