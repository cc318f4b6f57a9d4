"""Creating and changing users, shared by the REST API and the command line.

Errors are :class:`InputError` with a message that says what to change; the
API turns them into 4xx answers and the CLI into exit code 1.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contract.ids import is_valid_id
from hub.audit.record import record
from hub.auth.roles import Role
from hub.auth.tokens import hash_token, issue_token
from hub.db.models import ApiToken, Department, User

BOOTSTRAP_ADMIN_ID = "admin"


class InputError(ValueError):
    """Input a person can fix. ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def check_slug(value: str, what: str) -> str:
    if not is_valid_id(value):
        raise InputError(
            f"{what} {value!r} is not valid: use 1-63 lowercase letters, digits, '-' or '_'"
        )
    return value


def check_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {value!r}: choose one of {choices}") from None


def check_department(session: Session, department_id: str | None) -> str | None:
    if department_id is None or session.get(Department, department_id) is not None:
        return department_id
    known = ", ".join(session.scalars(select(Department.id).order_by(Department.id))) or "none yet"
    raise InputError(
        f"unknown department {department_id!r} (known: {known}); create it first "
        "(POST /api/v1/departments) or leave the department empty"
    )


def check_email_free(session: Session, email: str | None, user_id: str | None = None) -> None:
    if email is None:
        return
    owner = session.scalar(select(User.id).where(User.email == email))
    if owner is not None and owner != user_id:
        raise InputError(f"email {email!r} already belongs to user {owner!r}", status=409)


def create_user(
    session: Session,
    *,
    user_id: str,
    display_name: str,
    role: str,
    now: datetime,
    department_id: str | None = None,
    email: str | None = None,
    aliases: Sequence[str] = (),
) -> User:
    """Add a user (flushed, not committed) or raise :class:`InputError`."""
    check_slug(user_id, "user id")
    checked_role = check_role(role)
    if session.get(User, user_id) is not None:
        raise InputError(f"user {user_id!r} already exists: pick another id or PATCH the user", 409)
    check_department(session, department_id)
    check_email_free(session, email)
    if not display_name.strip():
        raise InputError("display name must not be empty")
    user = User(
        id=user_id,
        display_name=display_name.strip(),
        email=email,
        aliases=[a.strip() for a in aliases if a.strip()],
        department_id=department_id,
        role=checked_role.value,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def active_admin_count(session: Session) -> int:
    query = select(func.count()).where(User.role == Role.ADMIN.value, User.active.is_(True))
    return int(session.scalar(query) or 0)


def ensure_bootstrap_admin(
    session: Session, *, now: datetime, token: str | None, password: str | None = None
) -> str | None:
    """Make sure an admin can log in on a fresh install; return a token to announce, if new.

    With ``token`` (demo, tests, automated installs) that exact token is registered
    once; a revoked one stays revoked. Without it a random token is made only when the
    bootstrap admin is first created, so restarts never mint new admin tokens. With
    ``password`` the admin gets it for the web dashboard unless it has a password already.
    """
    admin = session.get(User, BOOTSTRAP_ADMIN_ID)
    created = admin is None
    if admin is None:
        admin = User(
            id=BOOTSTRAP_ADMIN_ID,
            display_name="Administrator",
            role=Role.ADMIN.value,
            active=True,
            aliases=[],
            created_at=now,
        )
        session.add(admin)
        session.flush()
        _audit(session, "user.create", f"user:{admin.id}", {"role": admin.role}, now)
    if password is not None and admin.password_hash is None:
        from hub.auth.passwords import set_password  # passwords imports this module

        set_password(session, admin, password, now)
        _audit(session, "user.password_set", f"user:{admin.id}", None, now)
    if token is not None:
        known = session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(token)))
        if known is not None:
            return None
    elif not created:
        return None
    # No expiry: it is how the operator gets in; they should create a personal token.
    issued = issue_token(
        session, BOOTSTRAP_ADMIN_ID, now=now, name="bootstrap", expires_in=None, token=token
    )
    details = {"user_id": BOOTSTRAP_ADMIN_ID, "name": "bootstrap", "expires_at": None}
    _audit(session, "token.create", f"token:{issued.row.id}", details, now)
    return issued.token


def _audit(
    session: Session, action: str, target: str, details: Mapping[str, object] | None, now: datetime
) -> None:
    record(session, actor="system", action=action, target=target, details=details, now=now)
