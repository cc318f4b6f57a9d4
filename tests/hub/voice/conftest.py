"""Voice tests build on the API tests' world (a running hub, its users and bookings)."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# --import-mode=importlib keeps test folders off sys.path: put the API tests' builders on it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_world import populate, running_hub
from voice_world import FakeIngest, VoiceHub


@pytest.fixture
def voice(tmp_path: Path) -> Iterator[VoiceHub]:
    ingest = FakeIngest()
    with running_hub(tmp_path, ingest_factory=lambda **_: ingest, ingest_enabled=True) as hub:
        populate(hub)
        yield VoiceHub(hub, ingest)
