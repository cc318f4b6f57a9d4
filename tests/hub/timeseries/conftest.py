"""Fixtures for time-series tests: a migrated SQLite file with the example organisation,
and a real VictoriaMetrics (Debian package ``victoria-metrics``) on a free loopback port.

Without VictoriaMetrics the integration tests skip, saying how to install it, except in CI
(``CI`` set), where they fail: ``./dev test`` installs it when run as root.
"""

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from devtools.victoriametrics import (
    PACKAGE,
    RunningVictoriaMetrics,
    find_victoria_metrics,
    victoria_metrics,
)
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.org.importer import import_config_dir

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"

# --import-mode=importlib keeps test folders off sys.path; put this one back for the
# shared helpers (timeseries_helpers.py, a name unique in the suite).
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def victoria_metrics_binary() -> str:
    binary = find_victoria_metrics()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"victoria-metrics is required in CI: ./dev test installs {PACKAGE}")
        pytest.skip(f"victoria-metrics is not installed (apt-get install {PACKAGE})")
    return binary


@pytest.fixture
def vm(victoria_metrics_binary: str, tmp_path: Path) -> Iterator[RunningVictoriaMetrics]:
    """A VictoriaMetrics of this test's own; ``.stop()`` and ``.start()`` keep port and data."""
    server = victoria_metrics(tmp_path / "vm").start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="session")
def ts_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("timeseries-template") / "hub.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        import_config_dir(session, FIRMWARE_CONFIGS)
    engine.dispose()
    return path


@pytest.fixture
def db_url(ts_template_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "hub.db"
    shutil.copy(ts_template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def session_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()
