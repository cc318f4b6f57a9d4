"""Bearer tokens: random, shown once, stored only as a SHA-256 hash.

A token works while it is not revoked, not expired and its user is active;
all three are checked on every request, so revoking a token or deactivating
a user takes effect at once.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.auth.roles import Principal, Role
from hub.db.models import ApiToken, User

# token_urlsafe(32) gives 43 characters; anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 256
DEFAULT_TOKEN_DAYS = 90
# Kinds of tokens (ApiToken.kind): for programs, made through the API or CLI; short-lived,
# from a password sign-in with a refresh token (hub.auth.refresh); a dashboard sign-in.
PERSONAL, ACCESS, WEB = "personal", "access", "web"
# Display panels and terminals run for years; people's programs get at most
# QUORUM_TOKEN_MAX_DAYS. Every token made through the API or CLI expires.
MACHINE_MAX_DAYS = 3650


def max_token_days(role: str, people_max_days: int) -> int:
    machine = role in (Role.DISPLAY.value, Role.DEVICE.value)
    return MACHINE_MAX_DAYS if machine else people_max_days


def token_details(row: ApiToken) -> dict[str, object]:
    """What the audit log keeps about a token: never the token or its hash."""
    expires = row.expires_at.isoformat() if row.expires_at else None
    return {"user_id": row.user_id, "name": row.name, "kind": row.kind, "expires_at": expires}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    row: ApiToken
    token: str  # the only time the plain token exists outside the caller's hands


def issue_token(
    session: Session,
    user_id: str,
    *,
    now: datetime,
    name: str = "",
    expires_in: timedelta | None = timedelta(days=DEFAULT_TOKEN_DAYS),
    token: str | None = None,
    kind: str = PERSONAL,
) -> IssuedToken:
    """Add a token for ``user_id`` (flushed, not committed). ``token`` fixes its value."""
    plain = token if token is not None else new_token()
    row = ApiToken(
        user_id=user_id,
        token_hash=hash_token(plain),
        name=name,
        kind=kind,
        created_at=now,
        expires_at=now + expires_in if expires_in is not None else None,
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    return IssuedToken(row=row, token=plain)


def authenticate(session: Session, token: str, now: datetime) -> Principal | None:
    """The caller behind ``token``, or None if it is unknown, revoked, expired or inactive."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if not _usable(row, user, now):
        return None
    try:
        role = Role(user.role)
    except ValueError:  # a role this version does not know grants nothing
        return None
    return Principal(user_id=user.id, role=role, department_id=user.department_id, token_id=row.id)


def _usable(row: ApiToken, user: User, now: datetime) -> bool:
    return user.active and token_state(row, now) == "active"


def token_state(row: ApiToken, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"


def revoke_all(session: Session, user_id: str, now: datetime) -> int:
    """Revoke every live token of a user (when they leave or are deactivated)."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def still_valid(session: Session, principal: Principal, now: datetime) -> bool:
    """Whether a long-lived request (the event stream) may go on: same checks, by token id.

    A changed role or department also ends it: the client reconnects with fresh rights.
    """
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.id == principal.token_id)
    ).first()
    if found is None:
        return False
    row, user = found
    return (
        _usable(row, user, now)
        and user.role == principal.role.value
        and user.department_id == principal.department_id
    )
