"""Reading the audit log back: filters and pages, newest first (the API and the CLI)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.audit_models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." ("user." for every user action)
    target: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def _where(query: Any, wanted: AuditFilter) -> Any:
    if wanted.actor is not None:
        query = query.where(AuditEntry.actor == wanted.actor)
    if wanted.action is not None:
        if wanted.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(wanted.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == wanted.action)
    if wanted.target is not None:
        query = query.where(AuditEntry.target == wanted.target)
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEntry.at < wanted.until)
    return query


def count_entries(session: Session, wanted: AuditFilter) -> int:
    return int(session.scalar(_where(select(func.count(AuditEntry.id)), wanted)) or 0)


def list_entries(
    session: Session, wanted: AuditFilter, *, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """Newest first; entries of the same instant in reverse order of writing."""
    query = _where(select(AuditEntry), wanted)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "details": entry.details,
        "address": entry.address,
    }
