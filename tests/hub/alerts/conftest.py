"""Alert tests on a real hub (SQLite file, organisation from firmware_configs/) and a fake
clock; the alerts loop is not started: tests call its tick() themselves."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# api_world.py (tests/hub/api) builds the hub, its users and their tokens; alerts_world.py
# (here) the rest. --import-mode=importlib keeps test folders off sys.path.
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "api"), str(HERE)]

from alerts_world import RecordingFeed  # noqa: E402
from api_world import Hub, populate, running_hub  # noqa: E402

from hub.alerts.config import AlertConfig  # noqa: E402
from hub.alerts.runner import AlertsRunner  # noqa: E402


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with running_hub(tmp_path) as running:
        populate(running)
        yield running


@pytest.fixture
def feed() -> RecordingFeed:
    return RecordingFeed()


@pytest.fixture
def runner(hub: Hub, feed: RecordingFeed) -> AlertsRunner:
    return AlertsRunner(
        session_factory=hub.state.session_factory,
        clock=hub.clock,
        config=AlertConfig(),
        live=feed,
    )
