"""When someone leaves: deactivating a user ends everything that acts in their name, at once.

In one transaction: the user becomes inactive; every token of theirs (personal, access, web
session) and every refresh token is revoked; their webhooks are switched off; calendar feeds
they created are revoked. Each of these is also checked where it is used (authentication
checks the user is active, delivery checks the webhook's owner at send time, the ICS feed
checks its creator), so nothing in flight slips through. Re-activating a user brings none of
it back: they sign in again and register their webhooks again.
"""

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.auth.refresh import revoke_all_refresh
from hub.auth.roles import Role
from hub.auth.tokens import revoke_all
from hub.auth.users import InputError, active_admin_count
from hub.db.models import CalendarFeed, User, Webhook


@dataclass(frozen=True)
class Offboarded:
    tokens_revoked: int
    refresh_tokens_revoked: int
    webhooks_stopped: int
    calendar_feeds_revoked: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def check_not_last_admin(session: Session, user: User) -> None:
    if user.role == Role.ADMIN.value and user.active and active_admin_count(session) <= 1:
        raise InputError("this is the last active admin: make another admin first", status=409)


def deactivate_user(session: Session, user: User, now: datetime) -> Offboarded:
    """Deactivate ``user`` and revoke what acts for them (flushed, not committed)."""
    check_not_last_admin(session, user)
    user.active = False
    webhooks = session.execute(
        update(Webhook)
        .where(Webhook.user_id == user.id, Webhook.active.is_(True))
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    feeds = session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.created_by == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    done = Offboarded(
        tokens_revoked=revoke_all(session, user.id, now),
        refresh_tokens_revoked=revoke_all_refresh(session, user.id, now),
        webhooks_stopped=_count(webhooks),
        calendar_feeds_revoked=_count(feeds),
    )
    session.flush()
    return done


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
