"""Fixtures for configuration push on the hub: a migrated database per test (SQLite, a copy
of one migrated template, and PostgreSQL), a folder of terminal files to edit, a fake clock."""

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"
NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("configs-template") / "hub.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=("sqlite", "postgresql"))
def factory(
    request: pytest.FixtureRequest, migrated_template: Path, tmp_path: Path, fresh_database: Any
) -> Iterator[sessionmaker[Session]]:
    """A migrated database: a SQLite file, and a PostgreSQL database (skipped without one)."""
    if request.param == "postgresql":
        url = fresh_database("postgresql", "schema")
    else:
        path = tmp_path / "hub.db"
        shutil.copy(migrated_template, path)
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    """A copy of firmware_configs/ this test may edit."""
    directory = tmp_path / "configs"
    shutil.copytree(FIRMWARE_CONFIGS, directory)
    return directory


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)
