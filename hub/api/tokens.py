"""API tokens: your own (``/me/tokens``) and revocation (``DELETE /tokens/{id}``).

Admins issue tokens for others under ``/users/{id}/tokens`` (hub.api.users).
Display and device accounts do not manage tokens themselves: an admin does.
"""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.common import MAX_ROW_ID, SelfService, UtcTime, bad_input, not_found
from hub.api.errors import BAD_BODY, NOT_FOUND
from hub.auth.roles import Principal
from hub.auth.tokens import DEFAULT_TOKEN_DAYS, issue_token, token_state
from hub.db.models import ApiToken
from hub.state import ClockDep, SessionDep

router = APIRouter(tags=["tokens"])


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: str
    name: str
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
        le=3650,
        description="Lifetime in days; null for a token that never expires (admins only).",
    )


def token_out(row: ApiToken, now: datetime) -> TokenOut:
    return TokenOut(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
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
    session: Session, caller: Principal, user_id: str, body: TokenCreate, now: datetime
) -> NewTokenOut:
    if body.expires_in_days is None and not caller.is_admin:
        raise bad_input("only admins may create tokens that never expire; set expires_in_days")
    lifetime = timedelta(days=body.expires_in_days) if body.expires_in_days is not None else None
    issued = issue_token(session, user_id, now=now, name=body.name, expires_in=lifetime)
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
    caller: SelfService, body: TokenCreate, session: SessionDep, clock: ClockDep
) -> NewTokenOut:
    return create_token(session, caller, caller.user_id, body, clock.now())


@router.delete(
    "/tokens/{token_id}", summary="Revoke a token (your own; admins: any)", responses=NOT_FOUND
)
def revoke_token(
    caller: SelfService,
    token_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
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
        session.commit()
    return token_out(row, now)
