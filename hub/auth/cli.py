"""``python -m hub users deactivate|activate``: when someone leaves, on the hub's machine.

``deactivate`` does what ``PATCH /api/v1/users/{id}`` with ``{"active": false}`` does
(hub.auth.offboarding): every token, refresh token, webhook and calendar feed of the user
stops at once. Both are audited with the operating-system account as the actor. Output per
GUIDE section 10: ``--json`` prints one JSON object; exit 1 for an unknown user or the last
active admin.
"""

import json
from typing import Annotated

import typer

from common.clock import SystemClock
from hub.audit import record
from hub.audit.actors import cli_actor
from hub.auth.offboarding import deactivate_user
from hub.auth.users import InputError
from hub.db.engine import one_session
from hub.db.models import User

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


def deactivate_command(
    user_id: Annotated[str, typer.Argument(help="The user who leaves.")],
    json_output: JsonOption = False,
) -> None:
    """Deactivate a user: their tokens, sign-ins, webhooks and calendar feeds stop at once."""
    from hub.cli import fail, prepared_settings  # the hub's CLI helpers (no import cycle)

    settings = prepared_settings()
    now = SystemClock().now()
    with one_session(settings.database_url) as session:
        user = session.get(User, user_id)
        if user is None:
            fail(f"no user {user_id!r}: see GET /api/v1/users for the ids")
        was_active = user.active
        try:
            done = deactivate_user(session, user, now)
        except InputError as error:
            fail(str(error))
        document = {"user_id": user_id, "was_active": was_active, **done.as_dict()}
        record(
            session,
            actor=cli_actor(),
            action="user.deactivate",
            target=f"user:{user_id}",
            details=done.as_dict(),
            now=now,
        )
        session.commit()
    if json_output:
        print(json.dumps(document))
    else:
        print(
            f"user {user_id!r} deactivated: {done.tokens_revoked} token(s) and "
            f"{done.refresh_tokens_revoked} refresh token(s) revoked, "
            f"{done.webhooks_stopped} webhook(s) stopped, "
            f"{done.calendar_feeds_revoked} calendar feed(s) revoked"
        )


def activate_command(
    user_id: Annotated[str, typer.Argument(help="The user who is back.")],
    json_output: JsonOption = False,
) -> None:
    """Re-activate a user. Old tokens, webhooks and feeds stay revoked: issue new ones."""
    from hub.cli import fail, prepared_settings

    settings = prepared_settings()
    now = SystemClock().now()
    with one_session(settings.database_url) as session:
        user = session.get(User, user_id)
        if user is None:
            fail(f"no user {user_id!r}: see GET /api/v1/users for the ids")
        was_active = user.active
        if not was_active:
            user.active = True
            record(
                session,
                actor=cli_actor(),
                action="user.activate",
                target=f"user:{user_id}",
                now=now,
            )
            session.commit()
    if json_output:
        print(json.dumps({"user_id": user_id, "was_active": was_active, "active": True}))
    else:
        print(f"user {user_id!r} is active" + ("" if was_active else " again"))
