"""Passwords for the web dashboard's sign-in: Argon2id hashes (argon2-cffi), never the text.

A password is optional: accounts without one use API tokens only. Admins set any user's
password; people change their own by giving the current one (hub.api.users). Changing a
password ends the user's other sign-ins (web sessions, access and refresh tokens).
"""

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.auth.refresh import family_of_access_token, revoke_all_refresh
from hub.auth.tokens import ACCESS, WEB
from hub.auth.users import InputError
from hub.db.audit_models import RefreshToken
from hub.db.models import ApiToken, User

MIN_LENGTH = 10
MAX_LENGTH = 256
# The name of the tokens a dashboard sign-in creates (hub.web.session), of kind ``web``.
WEB_SESSION = "web session"

_hasher = PasswordHasher()  # Argon2id with the library's current defaults


def check_password_rules(password: str) -> str:
    """The password, or :class:`InputError` saying what is wrong with it."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InputError(f"the password must have at most {MAX_LENGTH} characters")
    if not password.strip():
        raise InputError("the password must not be only blanks")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; False for users without a password and for long input."""
    if password_hash is None or not password or len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against this when the user is unknown makes a wrong user as slow as a wrong
# password, so the answer's timing does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("not a password of anyone's")


def verify_user_password(user: User | None, password: str) -> bool:
    if user is None or user.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(user.password_hash, password)


def set_password(
    session: Session, user: User, password: str, now: datetime, *, keep_token_id: int | None = None
) -> int:
    """Set ``user``'s password (flushed, not committed); returns the sign-ins ended.

    Every sign-in of the user ends: web sessions, and access tokens with their refresh
    tokens (``POST /api/v1/auth/token``), except the one of ``keep_token_id`` (the token a
    person changing their own password is using). Personal tokens for programs stay.
    """
    user.password_hash = hash_password(check_password_rules(password))
    keep_family = family_of_access_token(session, keep_token_id) if keep_token_id else None
    revoke_all_refresh(session, user.id, now, keep_family=keep_family)
    query = (
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.kind.in_((WEB, ACCESS)),
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if keep_token_id is not None:
        query = query.where(ApiToken.id != keep_token_id)
    if keep_family is not None:  # the kept sign-in's earlier access tokens live out their minutes
        kept = select(RefreshToken.access_token_id).where(
            RefreshToken.family == keep_family, RefreshToken.access_token_id.is_not(None)
        )
        query = query.where(ApiToken.id.not_in(kept))
    result = session.execute(query)
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
