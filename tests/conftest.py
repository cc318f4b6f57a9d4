"""Shared fixtures. Integration tests get a real Mosquitto on a free loopback port."""

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.broker import RunningBroker, find_mosquitto, mosquitto_broker

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE_CONFIGS = ROOT / "firmware_configs"
SHARED_AUDIO = ROOT.parent / "shared" / "audio"

_prefixes = itertools.count()


@pytest.fixture(scope="session")
def mosquitto_binary() -> str:
    binary = find_mosquitto()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("mosquitto is required in CI: .ci/run installs it with apt-get")
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    return binary


@pytest.fixture
def broker(mosquitto_binary: str, tmp_path: Path) -> Iterator[RunningBroker]:
    """A real Mosquitto broker of this test's own, on a free loopback port."""
    running = mosquitto_broker(tmp_path / "broker").start()
    try:
        yield running
    finally:
        running.kill()


@pytest.fixture
def topic_prefix(request: pytest.FixtureRequest) -> str:
    """A topic prefix of this test's own, so tests never see each other's messages."""
    return f"test{next(_prefixes)}-{os.getpid()}"
