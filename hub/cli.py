"""Command line of the hub (``python -m hub``), and the composition root of ``serve``.

Exit codes: 0 success; 1 bad input or a failed step (the message on stderr says
what to fix); 2 wrong usage (unknown option, missing argument). With ``--json``
stdout holds exactly one JSON document.
"""

import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from common.clock import Clock, SystemClock
from common.sd_notify import SystemdNotifier
from hub.audit import record
from hub.audit.actors import cli_actor
from hub.audit.cli import audit_app
from hub.auth.cli import activate_command, deactivate_command
from hub.auth.roles import Role
from hub.auth.tokens import (
    DEFAULT_TOKEN_DAYS,
    MACHINE_MAX_DAYS,
    issue_token,
    max_token_days,
    token_details,
)
from hub.auth.users import InputError, create_user
from hub.configs.cli import configs_app, sync_command
from hub.db.engine import make_engine, make_session_factory, one_session
from hub.db.models import User
from hub.devices.cli import broker_app, devices_app
from hub.hardening.redact import protect
from hub.releases.cli import releases_app
from hub.reports.cli import report_command
from hub.retention.cli import retention_app
from hub.sandbox.cli import sandbox_command
from hub.sealing.cli import keys_app
from hub.settings import Settings, get_settings
from hub.startup import StartupError, migrate, prepare
from hub.timeseries.cli import timeseries_app

# pretty_exceptions off: a traceback with local variables could show a token or password.
app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Quorum hub: stores what room terminals report and serves the API. "
    "Settings come from QUORUM_* environment variables or a .env file.",
)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(db_app, name="db")
app.add_typer(timeseries_app, name="timeseries")
app.add_typer(keys_app, name="keys")
app.add_typer(retention_app, name="retention")
app.add_typer(devices_app, name="devices")
app.add_typer(broker_app, name="broker")
app.add_typer(releases_app, name="releases")
app.add_typer(configs_app, name="configs")
analytics_app = typer.Typer(help="Analytics rollups.", no_args_is_help=True)
app.add_typer(analytics_app, name="analytics")
app.command("report")(report_command)
app.command("sandbox")(sandbox_command)
app.add_typer(audit_app, name="audit")
users_app.command("deactivate")(deactivate_command)
users_app.command("activate")(activate_command)

ROLES = ", ".join(r.value for r in Role)


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(1)


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as error:
        fail(f"invalid QUORUM_* setting:\n{error}")


def prepared_settings() -> Settings:
    """Settings, with the database brought up to date (every command needs the schema)."""
    settings = load_settings()
    try:
        migrate(settings)
    except StartupError as error:
        fail(str(error))
    return settings


@app.callback(invoke_without_command=True)
def main(ctx: typer.Context) -> None:
    """Without a command: serve."""
    # Every command: secrets from the environment never reach a log line (settings' own
    # secrets are added once they are read, by create_app).
    protect()
    if ctx.invoked_subcommand is None:
        serve()


@app.command()
def serve() -> None:
    """Run the hub: API on QUORUM_HOST:QUORUM_PORT, and ingest from the MQTT broker."""
    import uvicorn

    from hub import systemd_watchdog
    from hub.app import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings()
    protect(settings)
    clock: Clock = SystemClock()
    # Checked before uvicorn starts, so a bad configuration is one clear message, not
    # a lifespan traceback; the lifespan repeats these steps, which are idempotent.
    engine = make_engine(settings.database_url)
    try:
        prepare(settings, make_session_factory(engine), clock)
    except StartupError as error:
        fail(str(error))
    finally:
        engine.dispose()
    print(f"Quorum hub on http://{settings.host}:{settings.port} (API docs at /docs)", flush=True)
    hub_app = create_app(settings, clock=clock)
    # No "server: uvicorn" header: it only tells an attacker what to look up.
    server = uvicorn.Server(
        uvicorn.Config(hub_app, host=settings.host, port=settings.port, server_header=False)
    )
    # Type=notify units: READY=1 once listening, watchdog pings while healthy (deploy/systemd).
    systemd_watchdog.serve(
        server, hub_app, SystemdNotifier.from_environment(os.environ, os.getpid())
    )
    if not server.started:
        fail("the hub did not start; see the messages above")


@app.command("import-configs")
def import_configs_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of terminal YAML files (firmware_configs/).")
    ],
) -> None:
    """Same as 'configs sync DIR': import sites, floors, rooms, desks and terminals, and the
    configurations the hub pushes to the terminals (docs/fleet.md)."""
    sync_command(directory, dry_run=False, json_output=False)


@users_app.command("add")
def users_add(
    user_id: Annotated[str, typer.Option("--id", help="Lowercase id, e.g. alice.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {ROLES}.")],
    department: Annotated[str | None, typer.Option("--department", help="Department id.")] = None,
    email: Annotated[str | None, typer.Option("--email")] = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help="Another name (repeatable).")
    ] = None,
) -> None:
    """Add a user."""
    settings = prepared_settings()
    with one_session(settings.database_url) as session:
        try:
            create_user(
                session,
                user_id=user_id,
                display_name=name,
                role=role,
                department_id=department,
                email=email,
                aliases=alias or [],
                now=SystemClock().now(),
            )
        except InputError as error:
            fail(str(error))
        details = {"role": role, "department_id": department}
        _audit(session, "user.create", f"user:{user_id}", details)
        session.commit()
    print(f"user {user_id!r} added ({role}); make a token: python -m hub tokens create {user_id}")


@users_app.command("set-password")
def users_set_password(
    user_id: Annotated[str, typer.Argument(help="The user who signs in with it.")],
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a user's password for the web dashboard (asked for twice, never echoed)."""
    from hub.auth.passwords import set_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    settings = prepared_settings()
    with one_session(settings.database_url) as session:
        user = session.get(User, user_id)
        if user is None:
            fail(f"no user {user_id!r}: add one with 'python -m hub users add' first")
        try:
            ended = set_password(session, user, password, SystemClock().now())
        except InputError as error:
            fail(str(error))
        _audit(session, "user.password_set", f"user:{user_id}", {"sign_ins_ended": ended})
        session.commit()
    print(f"password of {user_id!r} set; {ended} web session(s) signed out")


@tokens_app.command("create")
def tokens_create(
    user_id: Annotated[str, typer.Argument(help="The user the token is for.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "",
    expires_days: Annotated[
        int,
        typer.Option(
            "--expires-days",
            min=1,
            help="Lifetime in days: at most QUORUM_TOKEN_MAX_DAYS (365) for people, "
            f"{MACHINE_MAX_DAYS} for display and device accounts.",
        ),
    ] = DEFAULT_TOKEN_DAYS,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Create a token for a user and print it (it is shown only this once)."""
    settings = prepared_settings()
    now = SystemClock().now()
    with one_session(settings.database_url) as session:
        user = session.get(User, user_id)
        if user is None:
            fail(f"no user {user_id!r}: add one with 'python -m hub users add' first")
        if not user.active:
            fail(f"user {user_id!r} is inactive: reactivate them first")
        longest = max_token_days(user.role, settings.token_max_days)
        if expires_days > longest:
            fail(f"tokens of {user.role} accounts expire after at most {longest} days")
        lifetime = timedelta(days=expires_days)
        issued = issue_token(session, user_id, now=now, name=name, expires_in=lifetime)
        _audit(session, "token.create", f"token:{issued.row.id}", token_details(issued.row))
        session.commit()
    if json_output:
        expires = issued.row.expires_at.isoformat() if issued.row.expires_at else None
        document = {
            "id": issued.row.id,
            "user_id": user_id,
            "name": name,
            "token": issued.token,
            "expires_at": expires,
        }
        print(json.dumps(document))
    else:
        print(issued.token)


def _audit(session: Session, action: str, target: str, details: Mapping[str, object]) -> None:
    record(
        session,
        actor=cli_actor(),
        action=action,
        target=target,
        details=details,
        now=SystemClock().now(),
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (also done by every other command)."""
    settings = prepared_settings()
    print(f"database {settings.database_url} is up to date")


@analytics_app.command("refresh")
def analytics_refresh(
    full: Annotated[
        bool, typer.Option("--full", help="Rebuild every rollup from the raw rows.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Bring the analytics rollups up to now (only the days new rows touched, unless --full)."""
    import time

    from hub.analytics.rollups import refresh_rollups

    settings = prepared_settings()
    engine = make_engine(settings.database_url)
    began = time.perf_counter()
    try:
        with make_session_factory(engine)() as session:
            stats = refresh_rollups(session, SystemClock().now(), full=full)
            session.commit()
    finally:
        engine.dispose()
    document = {
        "full": stats.full,
        "spaces": stats.spaces,
        "space_days": stats.space_days,
        "meetings": stats.meetings,
        "group_days": stats.group_days,
        "elapsed_s": round(time.perf_counter() - began, 3),
    }
    if json_output:
        print(json.dumps(document))
    else:
        kind = "rebuilt" if stats.full else "refreshed"
        print(
            f"analytics {kind}: {stats.spaces} spaces, {stats.space_days} space-days, "
            f"{stats.meetings} meetings, {stats.group_days} group-days "
            f"in {document['elapsed_s']} s"
        )
