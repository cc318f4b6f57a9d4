"""Shared fixtures. Integration tests get a real Mosquitto on a free loopback port.

Database tests run on SQLite and on PostgreSQL: a fixture parametrized with
:data:`BACKENDS` asks :func:`fresh_database` for a new database of either kind. PostgreSQL
is a running server named by ``QUORUM_TEST_POSTGRES_URL`` (``./dev postgres`` installs,
starts and sets one up and prints the URL; ``.ci/run`` does it in CI); without it the
PostgreSQL cases skip, saying so, except in CI, where they fail.
"""

import base64
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, NoReturn

import pytest

import hub.db.migrate as migrate
from devtools import postgres
from devtools.broker import RunningBroker, find_mosquitto, mosquitto_broker
from devtools.secure_broker import SecuredBroker, find_dynsec_plugin, secured_mosquitto
from devtools.sqlite_template import TemplateCommand
from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.org.importer import import_config_dir

ROOT = Path(__file__).resolve().parent.parent

# Encryption at rest: every hub a test starts (in this process or a child) seals meeting
# content with this master key, unless the test sets its own (docs/security.md).
if not {"QUORUM_MASTER_KEY", "QUORUM_MASTER_KEY_FILE", "QUORUM_KEY_PROVIDER"} & set(os.environ):
    os.environ["QUORUM_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode("ascii")
FIRMWARE_CONFIGS = ROOT / "firmware_configs"
SHARED_AUDIO = ROOT.parent / "shared" / "audio"

_prefixes = itertools.count()


@pytest.fixture(scope="session", autouse=True)
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """New SQLite databases are copies of one migrated once (devtools/sqlite_template.py)."""
    real = migrate.command
    migrate.command = TemplateCommand(real, tmp_path_factory.mktemp("template") / "hub.db")
    try:
        yield
    finally:
        migrate.command = real


@pytest.fixture(scope="session")
def mosquitto_binary() -> str:
    binary = find_mosquitto()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("mosquitto is required in CI: .ci/run installs it with apt-get")
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    return binary


@pytest.fixture
def broker(mosquitto_binary: str, tmp_path: Path) -> Iterator[RunningBroker]:
    """A real Mosquitto broker of this test's own, on a free loopback port."""
    running = mosquitto_broker(tmp_path / "broker").start()
    try:
        yield running
    finally:
        running.kill()


@pytest.fixture
def secured_broker(mosquitto_binary: str, tmp_path: Path) -> Iterator[SecuredBroker]:
    """Mosquitto on the shipped deploy/mosquitto/quorum.conf, with certificates made here."""
    if find_dynsec_plugin() is None:
        if os.environ.get("CI"):
            pytest.fail("Mosquitto's dynamic security plugin is required in CI")
        pytest.skip("Mosquitto's dynamic security plugin is not installed")
    secured = secured_mosquitto(tmp_path / "secured-broker")
    secured.broker.start()
    try:
        yield secured
    finally:
        secured.broker.kill()


@pytest.fixture
def topic_prefix(request: pytest.FixtureRequest) -> str:
    """A topic prefix of this test's own, so tests never see each other's messages."""
    return f"test{next(_prefixes)}-{os.getpid()}"


# -- databases: SQLite and PostgreSQL ---------------------------------------------------

#: Parameters of a database fixture that runs its tests on both backends.
BACKENDS = ("sqlite", "postgresql")
#: What a fresh database holds: nothing, the migrated schema, or also the shipped organisation.
Contents = Literal["empty", "schema", "org"]


def _no_postgres(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI ({reason}): .ci/run sets it up")
    pytest.skip(
        f"PostgreSQL tests skipped: {reason}; "
        f"export {postgres.ENV_VAR}=$(./dev postgres) to run them"
    )
    raise AssertionError("pytest.skip returned")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """A PostgreSQL role that may create databases (skips the test when there is none)."""
    url = postgres.admin_url_from_env()
    if url is None:
        _no_postgres(f"{postgres.ENV_VAR} is not set")
    try:
        postgres.check_server(url)
    except postgres.PostgresUnavailable as exc:
        _no_postgres(str(exc))
    return url


def _fill(url: str, contents: Contents) -> None:
    if contents == "empty":
        return
    upgrade(url)
    if contents == "org":
        engine = make_engine(url)
        with make_session_factory(engine)() as session, session.begin():
            import_config_dir(session, FIRMWARE_CONFIGS)
        engine.dispose()


class PostgresDatabases:
    """Migrated template databases, made once per session, and fresh copies of them."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._templates: dict[Contents, str] = {}
        self._made: list[str] = []

    def fresh(self, contents: Contents) -> tuple[str, str]:
        """(name, URL) of a new database copied from the template holding ``contents``."""
        if contents == "empty":
            name = postgres.unique_name("quorum_test")
            self._made.append(name)
            return name, postgres.create_database(self.admin_url, name)
        template = self._templates.get(contents)
        if template is None:
            template = postgres.unique_name(f"quorum_tpl_{contents}")
            self._made.append(template)
            _fill(postgres.create_database(self.admin_url, template), contents)
            self._templates[contents] = template
        name = postgres.unique_name("quorum_test")
        self._made.append(name)
        return name, postgres.create_database(self.admin_url, name, template=template)

    def drop(self, name: str) -> None:
        postgres.drop_database(self.admin_url, name)
        if name in self._made:
            self._made.remove(name)

    def drop_all(self) -> None:
        for name in reversed(self._made):
            postgres.drop_database(self.admin_url, name)
        self._made.clear()


@pytest.fixture(scope="session")
def postgres_databases(postgres_admin_url: str) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_admin_url)
    try:
        yield databases
    finally:
        databases.drop_all()


#: fresh_database(backend, contents) -> URL of a database of this test's own.
FreshDatabase = Callable[[str, Contents], str]


@pytest.fixture
def fresh_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FreshDatabase]:
    """Makes databases for this test; PostgreSQL ones are dropped when it ends."""
    dropped: list[tuple[PostgresDatabases, str]] = []

    def make(backend: str, contents: Contents) -> str:
        if backend == "postgresql":
            databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
            name, url = databases.fresh(contents)
            dropped.append((databases, name))
            return url
        if backend != "sqlite":
            raise ValueError(f"unknown database backend {backend!r}")
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub.db'}"
        _fill(url, contents)
        return url

    yield make
    for databases, name in dropped:
        databases.drop(name)
