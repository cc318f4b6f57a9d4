"""``python -m speech transcribe``, run as a user runs it (a subprocess)."""

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from devtools import tts
from devtools.wer import word_error_rate
from speech.audio.source import SAMPLE_RATE

SENTENCE = "Please book the large meeting room for Tuesday afternoon."


def transcribe(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "speech", "transcribe", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        audio = tts.synthesize(SENTENCE)
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))
    path = tmp_path_factory.mktemp("cli") / "sentence.wav"
    padded = np.concatenate(
        [np.zeros(SAMPLE_RATE, np.float32), audio, np.zeros(SAMPLE_RATE, np.float32)]
    )
    soundfile.write(path, padded, SAMPLE_RATE)
    return path


def test_json_output_is_one_document_with_segments_in_seconds(spoken_wav: Path) -> None:
    done = transcribe(spoken_wav, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == {"model", "language", "duration", "text", "segments"}
    assert (result["model"], result["language"]) == ("tiny.en", "en")
    assert result["duration"] == pytest.approx(
        tts.synthesize(SENTENCE).size / SAMPLE_RATE + 2, abs=0.01
    )
    assert word_error_rate(SENTENCE, result["text"]) <= 0.1
    for segment in result["segments"]:
        assert set(segment) == {"start", "end", "text"}
        assert 0.5 <= segment["start"] <= segment["end"] <= result["duration"]


def test_plain_output_is_for_people(spoken_wav: Path) -> None:
    done = transcribe(spoken_wav)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[00:0")
    assert "meeting room" in done.stdout
    assert "tiny.en" in done.stderr  # the summary line goes to stderr


def test_silence_gives_an_empty_transcript(tmp_path: Path) -> None:
    path = tmp_path / "silence.flac"
    soundfile.write(path, np.zeros(30 * SAMPLE_RATE, np.float32), SAMPLE_RATE)
    done = transcribe(path, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["text"], result["segments"]) == ("", [])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: p.write_bytes(np.random.default_rng(1).bytes(4000)),
            "not audio FFmpeg can read",
        ),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_text("minutes of the meeting\n"), "not audio"),
        (lambda p: None, "does not exist|no such file|not found"),
    ],
    ids=["corrupt", "empty", "text", "missing"],
)
def test_bad_audio_is_a_clear_error_and_exit_1(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "recording.wav"
    make(path)
    done = transcribe(path, "--json")
    assert done.returncode == 1
    assert done.stdout == ""  # never invented text
    assert re.search(message, done.stderr, flags=re.IGNORECASE), done.stderr


def test_language_errors_exit_1(spoken_wav: Path) -> None:
    unknown = transcribe(spoken_wav, "--language", "klingon")
    assert unknown.returncode == 1 and "unknown language code 'klingon'" in unknown.stderr
    english_only = transcribe(spoken_wav, "--language", "zh")
    assert english_only.returncode == 1
    assert "--model base" in english_only.stderr


def test_a_missing_model_folder_exits_1(spoken_wav: Path, tmp_path: Path) -> None:
    done = transcribe(spoken_wav, "--model", tmp_path / "nowhere")
    assert done.returncode == 1 and "unknown model" in done.stderr


def test_wrong_usage_exits_2(spoken_wav: Path) -> None:
    assert transcribe(spoken_wav, "--channel", "centre").returncode == 2
    assert transcribe(spoken_wav, "--no-such-option").returncode == 2


def test_a_channel_of_a_stereo_recording(shared_audio: Path) -> None:
    left = json.loads(
        transcribe(shared_audio / "stereo_diarization.wav", "--channel", "left", "--json").stdout
    )
    right = json.loads(
        transcribe(shared_audio / "stereo_diarization.wav", "--channel", "right", "--json").stdout
    )
    assert "wizard" in left["text"].lower() and "wizard" not in right["text"].lower()
    assert "horizon" in right["text"].lower() and "horizon" not in left["text"].lower()
