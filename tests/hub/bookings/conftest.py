"""Fixtures for booking tests: a migrated database with the example organisation and people.

Tests using ``session`` run on a SQLite file and on PostgreSQL (skipped without a server;
see tests/conftest.py). The organisation comes from firmware_configs/: shared rooms
hq-f1-aurora and hq-f1-borealis (Europe/Berlin), exec's hq-f2-cosmos, engineering's desk
area hq-f2-east with desks hq-f2-e01..e06.
"""

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hub.db.engine import make_engine, make_session_factory
from hub.db.migrate import upgrade
from hub.db.models import User
from hub.org.importer import import_config_dir

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"
# Tuesday 2026-01-06 12:00 UTC (13:00 in Berlin).
NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
PEOPLE = {
    "alice": ("member", "engineering", "alice@example.com"),
    "bob": ("member", "exec", "Bob@Example.com"),
    "carol": ("facilities", "engineering", "carol@example.com"),
}


@pytest.fixture(scope="session")
def bookings_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate and import once; each SQLite test gets a copy."""
    path = tmp_path_factory.mktemp("bookings-template") / "hub.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        import_config_dir(session, FIRMWARE_CONFIGS)
    engine.dispose()
    return path


@pytest.fixture(params=("sqlite", "postgresql"))
def db_url(request: pytest.FixtureRequest, tmp_path: Path, fresh_database: Any) -> str:
    if request.param == "postgresql":
        url: str = fresh_database("postgresql", "org")
        return url
    path = tmp_path / "hub.db"
    shutil.copy(request.getfixturevalue("bookings_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session on a database holding the organisation and the users in PEOPLE."""
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        for uid, (role, department, email) in PEOPLE.items():
            session.add(
                User(
                    id=uid,
                    display_name=uid.title(),
                    email=email,
                    aliases=[],
                    department_id=department,
                    role=role,
                    active=True,
                    created_at=NOW,
                )
            )
        session.commit()
        yield session
    engine.dispose()
