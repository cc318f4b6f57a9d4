"""Signing in for API clients: a password for a short-lived access token and a refresh token.

- ``POST /auth/token``: user id or email and password → an access token (15 min by default)
  and a refresh token (30 days unused). Accounts without a password cannot sign in here.
- ``POST /auth/refresh``: a refresh token → a new pair; the old refresh token is used up, and
  presenting it again revokes the whole sign-in (hub.auth.refresh).
- ``POST /auth/logout``: ends the sign-in of the bearer token sent, or of a refresh token.

All three are rate-limited per client address, and the first two per account (429 with
``Retry-After``, hub.auth.attempts). Unknown user, wrong password, inactive user and a user
without a password get the same 401, so the answer does not tell which accounts exist.
"""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.api.common import UtcTime
from hub.api.errors import BAD_BODY, TOO_MANY
from hub.audit import record
from hub.auth.attempts import AttemptsDep, client_address, refuse_if_limited
from hub.auth.dependencies import bearer_scheme, unauthorized
from hub.auth.passwords import MAX_LENGTH, verify_user_password
from hub.auth.refresh import (
    Lifetimes,
    Refused,
    TokenPair,
    family_of_access_token,
    find,
    issue_pair,
    revoke_family,
    rotate,
)
from hub.auth.tokens import authenticate
from hub.db.models import ApiToken, User
from hub.settings import Settings
from hub.state import ClockDep, SessionDep, SettingsDep

router = APIRouter(prefix="/auth", tags=["sign-in"])

WRONG = "wrong user name or password"
BAD_REFRESH = "invalid, expired, used or revoked refresh token: sign in again"


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: StrictStr = Field(
        min_length=1, max_length=320, description="A user id or an email address."
    )
    password: StrictStr = Field(max_length=MAX_LENGTH)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: StrictStr = Field(min_length=1, max_length=256)


class LogoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: StrictStr | None = Field(
        default=None, max_length=256, description="End this sign-in (no bearer token needed)."
    )


class TokenPairOut(BaseModel):
    user_id: str
    token_type: str = Field(default="bearer", description="Send `Authorization: Bearer ...`.")
    access_token: str = Field(description="Shown only in this answer.")
    access_token_id: int
    expires_at: UtcTime
    expires_in_s: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(description="Trade it at /auth/refresh; each works once.")
    refresh_expires_at: UtcTime


class LogoutOut(BaseModel):
    access_token_revoked: bool = Field(description="The bearer token sent was revoked.")
    refresh_tokens_revoked: int = Field(description="Refresh tokens of the sign-in revoked.")


def lifetimes_from(settings: Settings) -> Lifetimes:
    return Lifetimes(
        access=timedelta(minutes=settings.access_token_min),
        refresh=timedelta(days=settings.refresh_token_days),
    )


def pair_out(pair: TokenPair, now: datetime) -> TokenPairOut:
    expires_at = pair.access.row.expires_at or now
    return TokenPairOut(
        user_id=pair.access.row.user_id,
        access_token=pair.access.token,
        access_token_id=pair.access.row.id,
        expires_at=expires_at,
        expires_in_s=int((expires_at - now).total_seconds()),
        refresh_token=pair.refresh_token,
        refresh_expires_at=pair.refresh_row.expires_at,
    )


def _user_named(session: Session, username: str) -> User | None:
    name = username.strip().lower()
    if "@" in name:
        # Emails are unique as written; two differing only in case name nobody for sure.
        found = session.scalars(select(User).where(func.lower(User.email) == name).limit(2))
        matches = list(found)
        return matches[0] if len(matches) == 1 else None
    return session.get(User, name[:63])


@router.post(
    "/token",
    summary="Sign in with a password: a short-lived access token and a refresh token",
    responses={**TOO_MANY, **BAD_BODY},
)
def sign_in(
    body: TokenRequest,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    attempts: AttemptsDep,
) -> TokenPairOut:
    now, address = clock.now(), client_address(request)
    user = _user_named(session, body.username)
    account = user.id if user is not None else body.username.strip().lower()[:320]
    refuse_if_limited(attempts, account, address, now)
    if not verify_user_password(user, body.password) or user is None or not user.active:
        attempts.failed(account, address, now)
        raise unauthorized(WRONG)
    attempts.succeeded(account)
    pair = issue_pair(session, user.id, now=now, lifetimes=lifetimes_from(settings))
    session.commit()
    return pair_out(pair, now)


@router.post(
    "/refresh",
    summary="Trade a refresh token for a new access token and refresh token",
    responses={**TOO_MANY, **BAD_BODY},
)
def refresh(
    body: RefreshRequest,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    attempts: AttemptsDep,
) -> TokenPairOut:
    now, address = clock.now(), client_address(request)
    refuse_if_limited(attempts, "", address, now)
    rotation = rotate(session, body.refresh_token, now=now, lifetimes=lifetimes_from(settings))
    if rotation.refused is Refused.REUSED:
        # Two parties hold this sign-in's token: one of them stole it. Worth an admin's look.
        record(
            session,
            actor="anonymous",
            action="auth.refresh_reused",
            target=f"user:{rotation.user_id}",
            details={"family": rotation.family, "revoked": "the whole sign-in"},
            now=now,
            address=address,
        )
    session.commit()
    if rotation.pair is None:
        attempts.failed("", address, now)
        raise unauthorized(BAD_REFRESH, invalid=True)
    return pair_out(rotation.pair, now)


@router.post(
    "/logout",
    summary="End a sign-in: the bearer token sent and its refresh tokens, or a refresh token's",
    responses={**TOO_MANY, **BAD_BODY},
)
def logout(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    attempts: AttemptsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    body: LogoutRequest | None = None,
) -> LogoutOut:
    now, address = clock.now(), client_address(request)
    refuse_if_limited(attempts, "", address, now)
    access_revoked, refresh_revoked, known = False, 0, False
    if credentials is not None and credentials.scheme.lower() == "bearer":
        principal = authenticate(session, credentials.credentials, now)
        if principal is not None:
            known = True
            family = family_of_access_token(session, principal.token_id)
            if family is not None:
                refresh_revoked += revoke_family(session, family, now)
            token = session.get(ApiToken, principal.token_id)
            if token is not None and token.revoked_at is None:
                token.revoked_at = now
            access_revoked = True
    if body is not None and body.refresh_token:
        row = find(session, body.refresh_token)
        if row is not None:
            known = True
            refresh_revoked += revoke_family(session, row.family, now)
    session.commit()
    if not known:
        attempts.failed("", address, now)
        raise unauthorized("send the access token as a bearer token, or a refresh_token")
    return LogoutOut(access_token_revoked=access_revoked, refresh_tokens_revoked=refresh_revoked)
