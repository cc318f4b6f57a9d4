"""Fixtures for ingest tests: a migrated database holding the example organisation.

Every test that uses ``db_url`` (or ``session_factory``) runs twice: on a SQLite file and
on a PostgreSQL database of its own (see tests/conftest.py; the PostgreSQL run skips when
no server is configured).
"""

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock, SystemClock
from common.mqtt import BrokerAddress
from devtools.broker import RunningBroker
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.ingest import IngestService
from hub.live import LiveFeed
from hub.org.importer import import_config_dir

BACKENDS = ("sqlite", "postgresql")

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"

# --import-mode=importlib keeps test folders off sys.path; the ingest tests share helper
# modules (ingest_builders.py, ingest_mqtt.py: names unique in the suite), so put this folder
# back on it.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_mqtt import CommandListener, Factory, Publisher, ServiceMaker  # noqa: E402


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


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def db_url(
    db_backend: str, request: pytest.FixtureRequest, tmp_path: Path, fresh_database: Any
) -> str:
    if db_backend == "postgresql":
        url: str = fresh_database("postgresql", "org")
        return url
    # A copy of the session's migrated file: faster than migrating SQLite again.
    template: Path = request.getfixturevalue("template_db")
    path = tmp_path / "hub.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def session_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# -- against a real Mosquitto ----------------------------------------------------------


@pytest.fixture
def publisher(broker: RunningBroker) -> Iterator[Publisher]:
    pub = Publisher(broker, "test-publisher")
    yield pub
    pub.close()


@pytest.fixture
def make_service(broker: RunningBroker, topic_prefix: str) -> Iterator[ServiceMaker]:
    """Builds services for this test's broker and prefix; stops them all at the end."""
    made: list[IngestService] = []

    def make(
        factory: Factory, feed: LiveFeed, batch_size: int = 100, **options: Any
    ) -> IngestService:
        service = IngestService(
            session_factory=factory,
            broker=BrokerAddress(broker.host, broker.port, protocol="5"),
            prefix=topic_prefix,
            # Unique: the broker would disconnect the older of two clients with one id.
            client_id=f"hub-{topic_prefix}-{len(made)}",
            live=feed,
            clock=SystemClock(),
            batch_size=batch_size,
            batch_delay_s=0.02,
            **options,
        )
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()


@pytest.fixture
def listener(broker: RunningBroker, topic_prefix: str) -> Iterator[CommandListener]:
    made = CommandListener(broker, topic_prefix)
    yield made
    made.close()
