"""How the audit log names who acted, and from where."""

import getpass
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from hub.audit.record import record
from hub.auth.attempts import client_address
from hub.auth.roles import Principal


def api_actor(principal: Principal) -> str:
    return f"user:{principal.user_id}"


def cli_actor() -> str:
    """The command line acts as the operating-system account that ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (containers)
        return "cli"


def record_api(
    session: Session,
    request: Request,
    principal: Principal,
    *,
    action: str,
    target: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit entry for an API caller's action (flushed; committed with the action)."""
    record(
        session,
        actor=api_actor(principal),
        action=action,
        target=target,
        details=details,
        now=now,
        address=client_address(request),
    )
