"""Users: ``/me`` for everyone, management for admins.

Deactivating a user revokes all their tokens, refresh tokens, webhooks and calendar feeds in
the same transaction (hub.auth.offboarding), so a person who leaves loses access at once and
a later re-activation does not bring any of it back. Every change is audited. The last
active admin cannot be deactivated or demoted. Passwords (for the web dashboard's sign-in)
are set by admins for anyone, and changed by people themselves with their current one;
either ends the user's other sign-ins.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.ids import ID_PATTERN
from hub.api.common import Admin, AnyUser, Label, SelfService, UtcTime, not_found
from hub.api.errors import BAD_BODY, CONFLICT, NOT_FOUND, TOO_MANY
from hub.api.tokens import NewTokenOut, TokenCreate, TokenOut, create_token, list_tokens
from hub.audit.actors import record_api
from hub.auth.attempts import AttemptsDep, client_address, refuse_if_limited
from hub.auth.offboarding import Offboarded, check_not_last_admin, deactivate_user
from hub.auth.passwords import MAX_LENGTH, set_password, verify_user_password
from hub.auth.roles import Principal, Role
from hub.auth.users import InputError, check_department, check_email_free, create_user
from hub.db.models import User
from hub.state import ClockDep, SessionDep, SettingsDep

router = APIRouter(tags=["users"])

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    display_name: str
    email: str | None
    aliases: list[str] = Field(
        description="Other names, e.g. a Chinese name, used to match minutes."
    )
    department_id: str | None
    role: Role
    active: bool
    created_at: UtcTime


class MeOut(UserOut):
    token_id: int = Field(description="The token this request was made with.")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, examples=["alice"])
    display_name: Label = Field(examples=["Alice Chen"])
    role: Role
    department_id: str | None = Field(default=None, examples=["engineering"])
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    aliases: list[Label] = Field(default_factory=list, max_length=20, examples=[["陈爱丽"]])


class UserPatch(BaseModel):
    """Only the fields sent are changed; send ``department_id: null`` to clear it."""

    model_config = ConfigDict(extra="forbid")

    display_name: Label | None = None
    role: Role | None = None
    department_id: str | None = None
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    aliases: list[Label] | None = Field(default=None, max_length=20)
    # Strict: 0 or "no" must not deactivate anyone by accident.
    active: StrictBool | None = None


def _http(error: InputError) -> HTTPException:
    return HTTPException(error.status, detail=str(error))


@router.get("/me", summary="Who you are", responses=NOT_FOUND)
def me(caller: AnyUser, session: SessionDep) -> MeOut:
    user = session.get(User, caller.user_id)
    if user is None:  # deleted between authentication and now
        raise not_found("user", caller.user_id)
    return MeOut(**UserOut.model_validate(user).model_dump(), token_id=caller.token_id)


@router.get("/users", summary="List users")
def list_users(
    _: Admin,
    session: SessionDep,
    role: Role | None = None,
    department_id: str | None = None,
    active: Annotated[
        bool | None, Query(description="Only active (true) or inactive (false) users.")
    ] = None,
) -> list[UserOut]:
    query = select(User).order_by(User.id)
    if role is not None:
        query = query.where(User.role == role.value)
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    if active is not None:
        query = query.where(User.active.is_(active))
    return [UserOut.model_validate(u) for u in session.scalars(query)]


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    summary="Create a user",
    responses={**CONFLICT, **BAD_BODY},
)
def add_user(
    caller: Admin, body: UserCreate, request: Request, session: SessionDep, clock: ClockDep
) -> UserOut:
    try:
        user = create_user(
            session,
            user_id=body.id,
            display_name=body.display_name,
            role=body.role.value,
            department_id=body.department_id,
            email=body.email,
            aliases=body.aliases,
            now=clock.now(),
        )
    except InputError as error:
        raise _http(error) from None
    details = {"role": user.role, "department_id": user.department_id}
    record_api(
        session,
        request,
        caller,
        action="user.create",
        target=f"user:{user.id}",
        details=details,
        now=clock.now(),
    )
    session.commit()
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", summary="One user", responses=NOT_FOUND)
def get_user(_: Admin, user_id: str, session: SessionDep) -> UserOut:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    return UserOut.model_validate(user)


@router.patch(
    "/users/{user_id}",
    summary="Change or deactivate a user",
    responses={**NOT_FOUND, **CONFLICT, **BAD_BODY},
)
def patch_user(
    caller: Admin,
    user_id: str,
    body: UserPatch,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
) -> UserOut:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    sent = body.model_fields_set
    for field in ("display_name", "role", "active", "aliases"):
        if field in sent and getattr(body, field) is None:
            raise HTTPException(422, detail=f"{field} cannot be null")
    now = clock.now()
    before = {field: getattr(user, field) for field in AUDITED_FIELDS}
    try:
        if "department_id" in sent:
            user.department_id = check_department(session, body.department_id)
        if "email" in sent:
            check_email_free(session, body.email, user.id)
            user.email = body.email
        if body.role is not None and body.role is not Role.ADMIN:
            check_not_last_admin(session, user)
    except InputError as error:
        raise _http(error) from None
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.aliases is not None:
        user.aliases = list(body.aliases)
    if body.role is not None:
        user.role = body.role.value
    offboarded = None
    if body.active is False and user.active:
        try:  # also revokes their tokens, refresh tokens, webhooks and calendar feeds
            offboarded = deactivate_user(session, user, now)
        except InputError as error:
            raise _http(error) from None
    elif body.active is True:
        user.active = True
    _audit_patch(session, request, caller, user, before, offboarded, now)
    session.commit()
    return UserOut.model_validate(user)


# Fields of a user whose changes the audit log keeps (before and after).
AUDITED_FIELDS = ("display_name", "email", "aliases", "department_id", "role", "active")


def _audit_patch(
    session: Session,
    request: Request,
    caller: Principal,
    user: User,
    before: dict[str, Any],
    offboarded: Offboarded | None,
    now: datetime,
) -> None:
    """One entry per kind of change: details, a role change, (de)activation."""
    changes = {
        field: {"from": before[field], "to": getattr(user, field)}
        for field in AUDITED_FIELDS
        if before[field] != getattr(user, field)
    }
    target = f"user:{user.id}"

    def audit(action: str, details: dict[str, Any]) -> None:
        record_api(session, request, caller, action=action, target=target, details=details, now=now)

    other = {k: v for k, v in changes.items() if k not in ("role", "active")}
    if other:
        audit("user.update", {"changes": other})
    if "role" in changes:
        audit("user.role_change", changes["role"])
    if offboarded is not None:
        audit("user.deactivate", offboarded.as_dict())
    elif "active" in changes:
        audit("user.activate", {})


@router.get("/users/{user_id}/tokens", summary="A user's tokens", responses=NOT_FOUND)
def user_tokens(_: Admin, user_id: str, session: SessionDep, clock: ClockDep) -> list[TokenOut]:
    if session.get(User, user_id) is None:
        raise not_found("user", user_id)
    return list_tokens(session, user_id, clock.now())


@router.post(
    "/users/{user_id}/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Create a token for a user (shown once)",
    responses={**NOT_FOUND, **CONFLICT, **BAD_BODY},
)
def create_user_token(
    caller: Admin,
    user_id: str,
    body: TokenCreate,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> NewTokenOut:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    if not user.active:
        raise HTTPException(
            409, detail=f"user {user_id!r} is inactive: PATCH it with active=true first"
        )
    return create_token(session, request, caller, user, body, clock.now(), settings)


class PasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: StrictStr = Field(max_length=MAX_LENGTH, description="At least 10 characters.")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: StrictStr = Field(max_length=MAX_LENGTH)
    new_password: StrictStr = Field(max_length=MAX_LENGTH, description="At least 10 characters.")


class PasswordOut(BaseModel):
    user_id: str
    password_set: bool
    web_sessions_ended: int = Field(description="Web sessions of the user that were signed out.")


@router.put(
    "/users/{user_id}/password",
    summary="Set a user's password for the web dashboard",
    responses={**NOT_FOUND, **BAD_BODY},
)
def put_user_password(
    caller: Admin,
    user_id: str,
    body: PasswordSet,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
) -> PasswordOut:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    now = clock.now()
    try:
        ended = set_password(session, user, body.password, now)
    except InputError as error:
        raise _http(error) from None
    record_api(
        session,
        request,
        caller,
        action="user.password_set",
        target=f"user:{user.id}",
        details={"sign_ins_ended": ended},
        now=now,
    )
    session.commit()
    return PasswordOut(user_id=user.id, password_set=True, web_sessions_ended=ended)


@router.put(
    "/me/password",
    summary="Change your password (give the current one)",
    responses={**CONFLICT, **BAD_BODY, **TOO_MANY},
)
def put_my_password(
    caller: SelfService,
    body: PasswordChange,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    attempts: AttemptsDep,
) -> PasswordOut:
    user = session.get(User, caller.user_id)
    if user is None:
        raise not_found("user", caller.user_id)
    if user.password_hash is None:
        raise HTTPException(409, detail="you have no password yet: an admin sets the first one")
    now, address = clock.now(), client_address(request)
    refuse_if_limited(attempts, user.id, address, now)
    if not verify_user_password(user, body.current_password):
        attempts.failed(user.id, address, now)
        raise HTTPException(422, detail="the current password is wrong")
    attempts.succeeded(user.id)
    try:
        ended = set_password(session, user, body.new_password, now, keep_token_id=caller.token_id)
    except InputError as error:
        raise _http(error) from None
    record_api(
        session,
        request,
        caller,
        action="user.password_change",
        target=f"user:{user.id}",
        details={"sign_ins_ended": ended},
        now=now,
    )
    session.commit()
    return PasswordOut(user_id=user.id, password_set=True, web_sessions_ended=ended)
