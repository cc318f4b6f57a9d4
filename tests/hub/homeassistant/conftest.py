"""Home Assistant bridge tests: a migrated SQLite file with the example organisation (a copy
per test), and for the integration tests the real hub on a real Mosquitto (``broker``).

hub_on_broker.py (a name unique in the suite; tests/hub/metrics uses it too) holds the
helpers; --import-mode=importlib keeps test folders off sys.path, so put this one back.
"""

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.org.importer import import_config_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once with the example organisation; each test gets a copy."""
    path = tmp_path_factory.mktemp("ha-template") / "hub.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        import_config_dir(session, FIRMWARE_CONFIGS)
    engine.dispose()
    return path


@pytest.fixture
def factory(template: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    shutil.copy(template, tmp_path / "hub.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    yield make_session_factory(engine)
    engine.dispose()
