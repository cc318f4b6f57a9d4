"""Shared fixtures for the audio and VAD tests: real speech from Piper, synthesised once per
session, and small helpers. Import the fixtures into a test module to use them."""

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from devtools import tts
from speech.audio.source import SAMPLE_RATE

SHARED_AUDIO = Path(__file__).resolve().parents[2].parent / "shared" / "audio"

SENTENCES = (
    "The quarterly budget review is scheduled for Thursday morning.",
    "Please send the slides to everyone before the meeting starts.",
)


@cache  # a fixture imported into several modules is set up once per module: synthesise once
def synthesize(texts: tuple[str, ...]) -> list[np.ndarray]:
    """Each text spoken by the Piper voice, 16 kHz mono float32 (do not modify them)."""
    try:
        return [tts.synthesize(text) for text in texts]
    except tts.TTSUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def sentences() -> list[np.ndarray]:
    """:data:`SENTENCES` as 16 kHz audio (synthesised once per test session)."""
    return [s.copy() for s in synthesize(SENTENCES)]


def speech_extent(samples: np.ndarray, level: float = 0.02) -> tuple[int, int]:
    """First and one-past-last sample louder than ``level``: where the voice really is."""
    loud = np.flatnonzero(np.abs(samples) > level)
    return int(loud[0]), int(loud[-1]) + 1


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32)


def white_noise(seconds: float, level: float = 0.1, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(round(seconds * SAMPLE_RATE)) * level).astype(np.float32)


def tone(seconds: float, freq: float, rate: int = SAMPLE_RATE, level: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)
