"""Fixtures for the devices tests: a broker started from deploy/mosquitto/quorum.conf with
the files 'python -m hub broker init' makes, and a hub database holding the example rooms."""

import shutil
import sys
from pathlib import Path

import pytest

from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.org.importer import import_config_dir

ROOT = Path(__file__).resolve().parents[3]

# --import-mode=importlib keeps test folders off sys.path; put this one back for its helpers.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def org_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the example organisation, made once (Alembic is slow)."""
    path = tmp_path_factory.mktemp("devices-org") / "hub.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        import_config_dir(session, ROOT / "firmware_configs")
    engine.dispose()
    return path


@pytest.fixture
def org_db_url(org_template: Path, tmp_path: Path) -> str:
    """A copy of the example organisation's database, of this test's own."""
    path = tmp_path / "hub.db"
    shutil.copy(org_template, path)
    return f"sqlite:///{path}"
