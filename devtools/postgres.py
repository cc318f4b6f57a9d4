"""Databases of their own on a running PostgreSQL server, for tests, benchmarks and the demo.

PostgreSQL is not started here (unlike Mosquitto, see devtools.broker): it runs as a system
service, which ``./dev postgres`` installs from Debian's packages, starts, and gives a role
that may create databases, printing its URL. Everything here takes that *admin URL* (any
database the role can connect to) and creates, copies and drops databases by name:
``CREATE DATABASE ... TEMPLATE`` copies a migrated database in a fraction of the time a
migration takes, so every test gets a fresh one.
"""

import logging
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

#: Where tests (and, by default, the benchmarks) find the server: an admin URL.
ENV_VAR = "QUORUM_TEST_POSTGRES_URL"
#: What ``./dev postgres`` sets up on this machine.
DEFAULT_URL = "postgresql+psycopg://quorum:quorum@127.0.0.1:5432/quorum"

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailable(RuntimeError):
    """No server answers at the URL, or the driver is missing; the message says what to do."""


def admin_url_from_env() -> str | None:
    return os.environ.get(ENV_VAR) or None


def with_driver(url: str) -> str:
    """``postgresql://`` URLs (as psql takes them) get the psycopg 3 driver SQLAlchemy needs."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def database_url(admin_url: str, name: str) -> str:
    """The admin URL pointed at database ``name`` (same server, role and options)."""
    parsed: URL = make_url(with_driver(admin_url)).set(database=_checked(name))
    return parsed.render_as_string(hide_password=False)


def unique_name(stem: str) -> str:
    return _checked(f"{stem}_{os.getpid()}_{secrets.token_hex(3)}")


@contextmanager
def _autocommit(admin_url: str) -> Iterator[Connection]:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    try:
        engine = create_engine(with_driver(admin_url), poolclass=NullPool)
    except ModuleNotFoundError as exc:  # the driver is an optional extra
        raise PostgresUnavailable(
            f"the PostgreSQL driver is missing ({exc}): pip install -e '.[postgres]'"
        ) from exc
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection
    finally:
        engine.dispose()


def check_server(admin_url: str) -> str:
    """The server's version string; PostgresUnavailable if it cannot be reached."""
    try:
        with _autocommit(admin_url) as connection:
            return str(connection.scalar(text("SHOW server_version")))
    except PostgresUnavailable:
        raise
    except Exception as exc:
        shown = make_url(with_driver(admin_url)).render_as_string(hide_password=True)
        raise PostgresUnavailable(
            f"no PostgreSQL at {shown}: {str(exc).strip().splitlines()[0]} "
            "(./dev postgres installs, starts and sets one up)"
        ) from exc


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (a copy of ``template`` if given); return its URL."""
    statement = f'CREATE DATABASE "{_checked(name)}"'
    if template is not None:
        statement += f' TEMPLATE "{_checked(template)}"'
    with _autocommit(admin_url) as connection:
        connection.execute(text(statement))
    return database_url(admin_url, name)


# An autovacuum worker (a superuser's process) may be at work in a fresh database; a role
# that is not a superuser cannot end it, so the drop is tried again until it has finished.
DROP_ATTEMPTS = 20
DROP_RETRY_S = 0.5


def drop_database(admin_url: str, name: str) -> None:
    """Drop ``name`` if it exists, ending any session still connected to it."""
    statement = text(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)')
    for attempt in range(DROP_ATTEMPTS):
        try:
            with _autocommit(admin_url) as connection:
                connection.execute(statement)
            return
        except ProgrammingError as exc:  # InsufficientPrivilege: a superuser's session
            if attempt == DROP_ATTEMPTS - 1:
                raise
            log.debug("could not drop %s yet (%s); retrying", name, exc.orig)
            time.sleep(DROP_RETRY_S)


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a safe database name: {name!r}")
    return name
