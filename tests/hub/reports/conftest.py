"""Fixtures for the report tests: the fixture week of report_world.py in a running hub."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# --import-mode=importlib keeps test folders off sys.path: put the API tests' builders
# (api_world.py) and this folder's (report_world.py, report_checks.py) on it.
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "api"))
sys.path.insert(0, str(HERE))

from api_world import Hub, running_hub  # noqa: E402
from report_world import fill_week  # noqa: E402


@pytest.fixture(scope="module")
def week_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A running hub with the fixture week, rollups refreshed at the hub's clock; shared by
    a module's tests, which must not change it (use ``fresh_week_hub`` for that)."""
    with running_hub(tmp_path_factory.mktemp("week")) as hub:
        fill_week(hub)
        yield hub


@pytest.fixture
def fresh_week_hub(tmp_path: Path) -> Iterator[Hub]:
    """The same, of this test's own."""
    with running_hub(tmp_path) as hub:
        fill_week(hub)
        yield hub
