"""Writing audit entries.

An entry is added to the caller's session and committed with the action it describes, so
an action and its entry are both kept or both lost. Values that look like secrets are
dropped from ``details`` here, whatever the caller passed, so a careless caller cannot put
a password or token into the log.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.db.audit_models import AuditEntry

# Keys never written to the log: those with one of these words ("new_password", "token").
SECRET_WORDS = frozenset({"password", "token", "secret", "hash", "key", "credential", "cookie"})
MAX_DETAIL_TEXT = 500


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    details: Mapping[str, Any] | None = None,
    now: datetime,
    address: str | None = None,
) -> None:
    """Add one audit entry (flushed, not committed: the caller commits with the action)."""
    if now.tzinfo is None:
        raise ValueError("audit entries need an aware datetime")
    session.add(
        AuditEntry(
            at=now,
            actor=actor[:100],
            action=action[:63],
            target=target[:200],
            details=_without_secrets(details or {}),
            address=address[:64] if address else None,
        )
    )
    session.flush()


def _without_secrets(details: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if _is_secret(str(key)):
            continue
        clean[str(key)] = _clean_value(value)
    return clean


def _clean_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _without_secrets(value)
    if isinstance(value, list | tuple):
        return [_clean_value(item) for item in value]
    if isinstance(value, str) and len(value) > MAX_DETAIL_TEXT:
        return value[:MAX_DETAIL_TEXT] + "…"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # datetimes, enums: JSON has no type for them


def _is_secret(key: str) -> bool:
    """Whether a key names a secret: one of its words ("new_password", "api-key", "token")
    is a secret word. Counts and ids are fine ("tokens_revoked", "token_id")."""
    words = key.lower().replace("-", "_").split("_")
    if words[-1] in ("id", "ids"):
        return False
    return any(word in SECRET_WORDS for word in words)
