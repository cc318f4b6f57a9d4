"""API tokens: your own (``/me/tokens``) and revocation (``DELETE /tokens/{id}``).

Admins issue tokens for others under ``/users/{id}/tokens`` (hub.api.users).
Display and device accounts do not manage tokens themselves: an admin does.
Every token made here expires: people's after at most ``QUORUM_TOKEN_MAX_DAYS``, display and
device accounts' after at most :data:`MACHINE_MAX_DAYS`. Creating and revoking is audited.
"""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.common import MAX_ROW_ID, SelfService, UtcTime, bad_input, not_found
from hub.api.errors import BAD_BODY, NOT_FOUND
from hub.audit.actors import record_api
from hub.auth.refresh import family_of_access_token, revoke_family
from hub.auth.roles import Principal
from hub.auth.tokens import (
    DEFAULT_TOKEN_DAYS,
    MACHINE_MAX_DAYS,
    issue_token,
    max_token_days,
    token_details,
    token_state,
)
from hub.db.models import ApiToken, User
from hub.settings import Settings
from hub.state import ClockDep, SessionDep, SettingsDep

router = APIRouter(tags=["tokens"])


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: str
    name: str
    kind: str = Field(
        description="personal (for programs) | access (POST /auth/token) | web (dashboard)"
    )
    created_at: UtcTime
    expires_at: UtcTime | None
    revoked_at: UtcTime | None
    state: str = Field(description="active | expired | revoked")


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself. Shown only in this answer: store it now.")


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100, description="What the token is for.")
    # Strict: true or "30" is not a number of days.
    expires_in_days: StrictInt | None = Field(
        default=DEFAULT_TOKEN_DAYS,
        ge=1,
        le=MACHINE_MAX_DAYS,
        description="Lifetime in days: every token expires. At most QUORUM_TOKEN_MAX_DAYS "
        f"(365) for people's tokens, {MACHINE_MAX_DAYS} for display and device accounts.",
    )


def token_out(row: ApiToken, now: datetime) -> TokenOut:
    return TokenOut(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        kind=row.kind,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        state=token_state(row, now),
    )


def list_tokens(session: Session, user_id: str, now: datetime) -> list[TokenOut]:
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    )
    return [token_out(row, now) for row in rows]


def create_token(
    session: Session,
    request: Request,
    caller: Principal,
    user: User,
    body: TokenCreate,
    now: datetime,
    settings: Settings,
) -> NewTokenOut:
    longest = max_token_days(user.role, settings.token_max_days)
    if body.expires_in_days is None or body.expires_in_days > longest:
        raise bad_input(
            f"tokens of {user.role} accounts expire after at most {longest} days: set "
            "expires_in_days (short-lived access tokens: POST /api/v1/auth/token)"
        )
    lifetime = timedelta(days=body.expires_in_days)
    issued = issue_token(session, user.id, now=now, name=body.name, expires_in=lifetime)
    record_api(
        session,
        request,
        caller,
        action="token.create",
        target=f"token:{issued.row.id}",
        details=token_details(issued.row),
        now=now,
    )
    session.commit()
    return NewTokenOut(**token_out(issued.row, now).model_dump(), token=issued.token)


@router.get("/me/tokens", summary="Your tokens (never the tokens themselves)")
def my_tokens(caller: SelfService, session: SessionDep, clock: ClockDep) -> list[TokenOut]:
    return list_tokens(session, caller.user_id, clock.now())


@router.post(
    "/me/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Create a token for yourself",
    responses=BAD_BODY,
)
def create_my_token(
    caller: SelfService,
    body: TokenCreate,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> NewTokenOut:
    user = session.get(User, caller.user_id)
    if user is None:  # deleted between authentication and now
        raise not_found("user", caller.user_id)
    return create_token(session, request, caller, user, body, clock.now(), settings)


@router.delete(
    "/tokens/{token_id}", summary="Revoke a token (your own; admins: any)", responses=NOT_FOUND
)
def revoke_token(
    caller: SelfService,
    token_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    request: Request,
    session: SessionDep,
    clock: ClockDep,
) -> TokenOut:
    row = session.get(ApiToken, token_id)
    # Someone else's token is reported exactly like a token that does not exist.
    if row is None or (row.user_id != caller.user_id and not caller.is_admin):
        raise not_found("token", token_id)
    now = clock.now()
    if row.revoked_at is None:
        row.revoked_at = now
        # An access token ends its whole sign-in, refresh tokens included.
        family = family_of_access_token(session, row.id)
        if family is not None:
            revoke_family(session, family, now)
        target, details = f"token:{row.id}", token_details(row)
        record_api(
            session, request, caller, action="token.revoke", target=target, details=details, now=now
        )
        session.commit()
    return token_out(row, now)
