"""Signing in to the dashboard with a password, and out again.

A sign-in is an ordinary API token named "web session" that expires after
:data:`SESSION_LIFETIME`, kept in an HttpOnly cookie; the CSRF value that goes with it is in
a cookie the page's script can read (hub.auth.cookies). Signing out revokes the token, so a
copied cookie stops working at once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlalchemy.orm import Session

from hub.auth.attempts import FailedAttempts
from hub.auth.cookies import CSRF_COOKIE, SESSION_COOKIE, csrf_value
from hub.auth.passwords import MAX_LENGTH, WEB_SESSION, verify_user_password
from hub.auth.roles import Principal
from hub.auth.tokens import WEB, authenticate, hash_token, issue_token
from hub.db.models import ApiToken, User

SESSION_LIFETIME = timedelta(hours=12)
# Said for an unknown user, a wrong password, an inactive user and one without a password
# alike, so the answer does not tell which accounts exist.
WRONG = "Wrong user name or password."


@dataclass(frozen=True)
class SignIn:
    token: str | None = None  # the new session token, on success
    error: str | None = None
    retry_after_s: int | None = None  # set when refused for too many wrong passwords


def sign_in(
    session: Session,
    attempts: FailedAttempts,
    *,
    user_id: str,
    password: str,
    address: str,
    now: datetime,
) -> SignIn:
    """Check a password; on success add a session token (committed)."""
    user_id = user_id.strip().lower()[:63]
    wait = attempts.retry_after(user_id, address, now)
    if wait is not None:
        minutes = max(1, round(wait.total_seconds() / 60))
        return SignIn(
            error=f"Too many wrong passwords. Try again in {minutes} min.",
            retry_after_s=max(1, int(wait.total_seconds())),
        )
    attempts.tried(address, now)
    user = session.get(User, user_id) if user_id else None
    if len(password) > MAX_LENGTH or not verify_user_password(user, password):
        attempts.failed(user_id, address, now)
        return SignIn(error=WRONG)
    if user is None or not user.active:
        attempts.failed(user_id, address, now)
        return SignIn(error=WRONG)
    attempts.succeeded(user_id)
    issued = issue_token(
        session, user.id, now=now, name=WEB_SESSION, expires_in=SESSION_LIFETIME, kind=WEB
    )
    session.commit()
    return SignIn(token=issued.token)


def sign_out(session: Session, token: str, now: datetime) -> None:
    row = session.query(ApiToken).filter(ApiToken.token_hash == hash_token(token)).one_or_none()
    if row is not None and row.kind == WEB and row.revoked_at is None:
        row.revoked_at = now
        session.commit()


def session_principal(session: Session, request: Request, now: datetime) -> Principal | None:
    """The signed-in caller of a page, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    return authenticate(session, token, now) if token else None


def set_session_cookies(response: Response, request: Request, token: str) -> None:
    secure = request.url.scheme == "https"
    max_age = int(SESSION_LIFETIME.total_seconds())
    # The CSRF cookie is readable by the page's script, which echoes it in X-Quorum-CSRF.
    for name, value, http_only in (
        (SESSION_COOKIE, token, True),
        (CSRF_COOKIE, csrf_value(token), False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=secure,
            httponly=http_only,
            samesite="strict",
        )


def clear_session_cookies(response: Response) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", samesite="strict")
