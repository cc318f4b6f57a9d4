"""Start-up steps of the hub, in order, as plain functions the lifespan and CLI share.

1. load the master key (encryption at rest) and bring the database schema up to date
   (Alembic),
2. import rooms and desks from the terminal configuration files,
3. make sure an admin can log in (the bootstrap admin and its token).

Any failure is a :class:`StartupError` whose message says what to fix.

Several hub workers may start at once against one PostgreSQL database (docs/scaling.md):
:func:`prepare` runs the three steps under a PostgreSQL advisory lock, so one worker
migrates, imports and creates the admin while the others wait, then find nothing to do.
"""

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from common.clock import Clock
from common.sealing.master_keys import MasterKeyError
from contract.config_loader import ConfigError
from hub.audit import record
from hub.auth.users import InputError, ensure_bootstrap_admin
from hub.db.migrate import upgrade
from hub.org.importer import ImportReport, import_config_dir
from hub.sealing import provider as sealing_keys
from hub.sealing.rotation import check_master_key
from hub.settings import Settings

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The hub cannot start; the message says why and what to change."""


# pg_advisory_lock key held while a worker runs the start-up steps ("QUORUM" in ASCII).
STARTUP_LOCK_KEY = 0x51554F52554D


def _shown(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


@contextmanager
def startup_lock(database_url: str) -> Iterator[None]:
    """One process at a time in here, on PostgreSQL (SQLite has one writer anyway)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield
        return
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    try:
        engine = create_engine(url, poolclass=NullPool)
        connection = engine.connect()
    except Exception as error:
        raise StartupError(
            f"cannot connect to the database at {_shown(database_url)!r}: {error}"
        ) from error
    try:
        # Session-level: released by the unlock below, or by the server if this process dies.
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY})
            connection.commit()
    finally:
        connection.close()
        engine.dispose()


def migrate(settings: Settings) -> None:
    with startup_lock(settings.database_url):
        _upgrade(settings)


def install_master_key(settings: Settings) -> None:
    """The master key every database session of this process seals with (hub/sealing)."""
    try:
        sealing_keys.install(sealing_keys.provider_from(settings))
    except MasterKeyError as error:
        raise StartupError(str(error)) from error


def _upgrade(settings: Settings) -> None:
    install_master_key(settings)  # the migrations may need it
    try:
        upgrade(settings.database_url)
    except Exception as error:  # driver errors vary by database; the URL is what to check
        raise StartupError(
            f"cannot bring the database at {_shown(settings.database_url)!r} up to date: {error}"
        ) from error


def prepare(settings: Settings, session_factory: sessionmaker[Session], clock: Clock) -> None:
    """Every start-up step, in order, one hub process at a time."""
    with startup_lock(settings.database_url):
        _upgrade(settings)
        with session_factory() as session:
            engine = session.get_bind()
        assert isinstance(engine, Engine)
        wrong = check_master_key(engine, sealing_keys.current())
        if wrong is not None:
            raise StartupError(wrong)
        if settings.configs_dir is not None:
            import_configs(session_factory, settings.configs_dir, now=clock.now())
        bootstrap_admin(session_factory, settings, clock)


def import_configs(
    session_factory: sessionmaker[Session],
    directory: Path,
    *,
    now: datetime,
    actor: str = "system",
) -> ImportReport:
    """Import the terminal configuration files; the audit log names ``actor`` (the hub at
    start-up, or who ran the command)."""
    if not directory.is_dir():
        raise StartupError(
            f"configs directory {str(directory)!r} does not exist: set QUORUM_CONFIGS_DIR to the "
            "folder holding the terminal YAML files, or leave it empty"
        )
    with session_factory() as session:
        try:
            report = import_config_dir(session, directory)
        except ConfigError as error:
            raise StartupError(
                f"terminal configuration in {directory} is invalid:\n{error}"
            ) from error
        record(
            session,
            actor=actor,
            action="config.import",
            target=f"configs:{directory}",
            details={
                "files": report.files,
                "rooms": len(report.rooms),
                "desks": len(report.desks),
                "devices": len(report.devices),
                "orphaned_rooms": report.orphaned_rooms,
            },
            now=now,
        )
        session.commit()
    log.info(
        "imported %d files: %d rooms, %d desks, %d terminals",
        report.files,
        len(report.rooms),
        len(report.desks),
        len(report.devices),
    )
    if report.orphaned_rooms:
        log.warning(
            "rooms no longer in any configuration file: %s", ", ".join(report.orphaned_rooms)
        )
    return report


def bootstrap_admin(
    session_factory: sessionmaker[Session], settings: Settings, clock: Clock
) -> str | None:
    """Ensure the bootstrap admin; announce a newly registered token once (stderr and file)."""
    with session_factory() as session:
        try:
            token = ensure_bootstrap_admin(
                session,
                now=clock.now(),
                token=_plain(settings.bootstrap_token),
                password=_plain(settings.bootstrap_password),
            )
        except InputError as error:
            raise StartupError(f"QUORUM_BOOTSTRAP_PASSWORD: {error}") from error
        if token is not None and settings.bootstrap_token_file is not None:
            # Before the commit: if the file cannot be written, nothing is created and the
            # next start tries again, so the token is never lost.
            try:
                write_secret(settings.bootstrap_token_file, token + "\n")
            except OSError as error:
                raise StartupError(
                    f"cannot write the admin token to {str(settings.bootstrap_token_file)!r}: "
                    f"{error}; fix the path or its permissions (QUORUM_BOOTSTRAP_TOKEN_FILE)"
                ) from error
        session.commit()
    if token is not None:
        # The one place a token is printed: operators need it to log in the first time.
        print(f"admin token: {token}", file=sys.stderr, flush=True)
    return token


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), even if it existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, text.encode("utf-8"))
    finally:
        os.close(descriptor)


def _plain(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None
