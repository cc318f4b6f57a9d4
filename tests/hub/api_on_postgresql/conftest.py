"""The API tests' fixtures (tests/hub/api/conftest.py), but each hub on a PostgreSQL database.

``test_api_on_postgresql.py`` collects a representative set of the API tests a second time;
since fixtures are looked up where a test is collected, the same test code runs here
against PostgreSQL. Without a configured server these tests skip (tests/conftest.py).
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

API_TESTS = Path(__file__).resolve().parent.parent / "api"
# --import-mode=importlib keeps test folders off sys.path; the API tests import api_world.
sys.path.insert(0, str(API_TESTS))

from api_world import Hub, populate, running_hub  # noqa: E402


@pytest.fixture
def hub(tmp_path: Path, fresh_database: Any) -> Iterator[Hub]:
    """A running hub of this test's own on a fresh PostgreSQL database (bootstrap admin only)."""
    with running_hub(tmp_path, database_url=fresh_database("postgresql", "schema")) as running:
        assert running.state.engine.dialect.name == "postgresql"
        yield running


@pytest.fixture
def people(hub: Hub) -> Hub:
    populate(hub)
    return hub
