"""Fixtures for ingest tests: a migrated SQLite file holding the example organisation."""

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.org.importer import import_config_dir

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"

# --import-mode=importlib keeps test folders off sys.path; the ingest tests share one helper
# module (ingest_builders.py, a name unique in the suite), so put this folder back on it.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate and import once; each test gets a copy (Alembic takes a while per run)."""
    path = tmp_path_factory.mktemp("ingest-template") / "hub.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        import_config_dir(session, FIRMWARE_CONFIGS)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def db_url(template_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "hub.db"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def session_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
