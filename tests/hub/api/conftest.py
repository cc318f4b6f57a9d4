"""Fixtures for API tests: a fresh hub per test, and a shared populated hub for reads."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# --import-mode=importlib keeps test folders off sys.path; api_world.py (a name unique in the
# suite) holds the shared builders, so put this folder back on it.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_world import Hub, populate, running_hub


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    """A running hub of this test's own, with the bootstrap admin only."""
    with running_hub(tmp_path) as running:
        yield running


@pytest.fixture
def people(hub: Hub) -> Hub:
    """``hub`` with users of every role in both departments."""
    populate(hub)
    return hub


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A populated hub shared by a module's read-only tests (much faster for the matrix)."""
    with running_hub(tmp_path_factory.mktemp("world")) as running:
        populate(running)
        yield running
