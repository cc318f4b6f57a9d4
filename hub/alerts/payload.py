"""The one JSON shape of an alert: in the API, in outbox notices and in live events."""

from typing import Any

from hub.db.alert_models import Alert


def alert_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule": alert.rule,
        "subject_kind": alert.subject_kind,
        "subject_id": alert.subject_id,
        "room_id": alert.room_id,
        "severity": alert.severity,
        "message": alert.message,
        "opened_at": alert.opened_at.isoformat(),
        "last_seen_at": alert.last_seen_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at is not None else None,
        "details": alert.details,
    }
