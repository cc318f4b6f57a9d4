"""Short-lived access tokens with rotating refresh tokens (``/api/v1/auth/*``).

A password sign-in gives an access token (an :class:`ApiToken` of kind ``access``, minutes)
and a refresh token (days). Using the refresh token gives a new pair and marks the old
refresh token used; all tokens of one sign-in share a *family*. A used refresh token that is
presented again means two parties hold it, one of them a thief: the whole family, with the
access tokens it gave, is revoked at once (refresh token rotation with reuse detection, as in
the OAuth 2.0 Security Best Current Practice). Like every token, refresh tokens are stored
only as SHA-256 hashes.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.auth.tokens import ACCESS, IssuedToken, hash_token, issue_token, new_token
from hub.db.audit_models import RefreshToken
from hub.db.models import ApiToken, User


@dataclass(frozen=True)
class Lifetimes:
    access: timedelta = timedelta(minutes=15)
    refresh: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class TokenPair:
    access: IssuedToken
    refresh_token: str  # the only time the plain refresh token exists outside the client
    refresh_row: RefreshToken


class Refused(StrEnum):
    """Why a refresh token was not accepted (the client is told only "invalid")."""

    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    INACTIVE = "inactive user"
    REUSED = "reused"  # the family was revoked just now


@dataclass(frozen=True)
class Rotation:
    pair: TokenPair | None = None
    refused: Refused | None = None
    user_id: str | None = None  # whose token it was, when known
    family: str | None = None


def issue_pair(
    session: Session,
    user_id: str,
    *,
    now: datetime,
    lifetimes: Lifetimes,
    family: str | None = None,
) -> TokenPair:
    """A new access token and refresh token (flushed, not committed); a new family if None."""
    access = issue_token(
        session, user_id, now=now, name="access token", expires_in=lifetimes.access, kind=ACCESS
    )
    plain = new_token()
    row = RefreshToken(
        user_id=user_id,
        token_hash=hash_token(plain),
        family=family or str(uuid.uuid4()),
        created_at=now,
        expires_at=now + lifetimes.refresh,
        used_at=None,
        revoked_at=None,
        access_token_id=access.row.id,
    )
    session.add(row)
    session.flush()
    return TokenPair(access=access, refresh_token=plain, refresh_row=row)


def find(session: Session, refresh_token: str) -> RefreshToken | None:
    if not refresh_token or len(refresh_token) > 256:
        return None
    return session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))
    )


def rotate(
    session: Session, refresh_token: str, *, now: datetime, lifetimes: Lifetimes
) -> Rotation:
    """Trade a refresh token for a new pair (flushed, not committed; commit either way:
    a detected reuse revokes the family)."""
    row = find(session, refresh_token)
    if row is None:
        return Rotation(refused=Refused.UNKNOWN)
    user_id, family = row.user_id, row.family
    if row.revoked_at is not None:
        return Rotation(refused=Refused.REVOKED, user_id=user_id, family=family)
    if row.used_at is not None:
        revoke_family(session, row.family, now)
        return Rotation(refused=Refused.REUSED, user_id=user_id, family=family)
    if row.expires_at <= now:
        return Rotation(refused=Refused.EXPIRED, user_id=user_id, family=family)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        revoke_family(session, row.family, now)
        return Rotation(refused=Refused.INACTIVE, user_id=user_id, family=family)
    # Conditional, so two requests racing with the same token cannot both win: the loser
    # is treated as a reuse.
    claimed = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        revoke_family(session, row.family, now)
        return Rotation(refused=Refused.REUSED, user_id=user_id, family=family)
    pair = issue_pair(session, row.user_id, now=now, lifetimes=lifetimes, family=row.family)
    return Rotation(pair=pair, user_id=user_id, family=family)


def revoke_family(session: Session, family: str, now: datetime) -> int:
    """Revoke every refresh token of a sign-in and the access tokens they gave."""
    access_ids = select(RefreshToken.access_token_id).where(
        RefreshToken.family == family, RefreshToken.access_token_id.is_not(None)
    )
    session.execute(
        update(ApiToken)
        .where(ApiToken.id.in_(access_ids), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def family_of_access_token(session: Session, token_id: int) -> str | None:
    return session.scalar(
        select(RefreshToken.family).where(RefreshToken.access_token_id == token_id).limit(1)
    )


def revoke_all_refresh(
    session: Session, user_id: str, now: datetime, *, keep_family: str | None = None
) -> int:
    """Revoke every live refresh token of a user (but ``keep_family``'s)."""
    query = (
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if keep_family is not None:
        query = query.where(RefreshToken.family != keep_family)
    result = session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)
