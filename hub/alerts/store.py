"""Carries out a reconcile plan in the caller's transaction: alert rows, outbox notices to
the people who may see the alert, and the live events to publish after the commit.

Notices go through the hub's outbox (``notifications``, delivered with retries by the
bookings loop: hub/checkin/notify.py), one per recipient, kinds ``alert_opened`` and
``alert_resolved``. Recipients are the active admins and the facilities staff who may
see the alert's room (its department's and, for a shared room, everyone's).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.alerts.facts import Finding
from hub.alerts.payload import alert_json
from hub.alerts.reconcile import OpenAlert, Plan
from hub.auth.roles import Role
from hub.db.alert_models import Alert
from hub.db.models import Notification, Room, User

OPENED = "alert_opened"
RESOLVED = "alert_resolved"


def open_alerts(session: Session) -> list[OpenAlert]:
    rows = session.scalars(select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.id))
    return [OpenAlert(a.id, (a.rule, a.subject_kind, a.subject_id), a.clear_since) for a in rows]


def apply_plan(session: Session, plan: Plan, now: datetime) -> list[dict[str, Any]]:
    """Write ``plan``; returns the live events (``type`` ``alert``) for after the commit."""
    events: list[dict[str, Any]] = []
    for alert_id, finding in plan.touched:
        alert = session.get_one(Alert, alert_id)
        alert.last_seen_at, alert.clear_since = now, None
        alert.severity, alert.message, alert.details = (
            finding.severity,
            finding.message,
            finding.details,
        )
    for alert_id in plan.clearing:
        session.get_one(Alert, alert_id).clear_since = now
    for alert_id in plan.resolved:
        alert = session.get_one(Alert, alert_id)
        alert.resolved_at = now
        events.append(_announce(session, alert, RESOLVED, now))
    session.flush()  # a resolved alert leaves the unique open index before its successor
    for finding in plan.opened:
        alert = _new(finding, now)
        session.add(alert)
        session.flush()  # its id goes into the notices
        events.append(_announce(session, alert, OPENED, now))
    return events


def _new(finding: Finding, now: datetime) -> Alert:
    return Alert(
        rule=finding.rule,
        subject_kind=finding.subject_kind,
        subject_id=finding.subject_id,
        room_id=finding.room_id,
        severity=finding.severity,
        message=finding.message,
        details=finding.details,
        opened_at=now,
        last_seen_at=now,
        resolved_at=None,
        clear_since=None,
    )


def _announce(session: Session, alert: Alert, kind: str, now: datetime) -> dict[str, Any]:
    body = alert_json(alert)
    for user_id in recipients(session, alert.room_id):
        session.add(
            Notification(
                created_at=now,
                user_id=user_id,
                kind=kind,
                booking_id=None,
                payload={"kind": kind, "alert": body},
                attempts=0,
                next_attempt_at=now,
            )
        )
    event = "opened" if kind == OPENED else "resolved"
    return {"type": "alert", "event": event, "room_id": alert.room_id, "alert": body}


def recipients(session: Session, room_id: str | None) -> list[str]:
    """Active admins, and the facilities staff who may see ``room_id`` (hub.auth.scope)."""
    who = [User.role == Role.ADMIN.value]
    room = session.get(Room, room_id) if room_id is not None else None
    if room is not None:
        facilities = User.role == Role.FACILITIES.value
        if room.department_id is not None:
            facilities = facilities & (User.department_id == room.department_id)
        who.append(facilities)
    query = select(User.id).where(User.active.is_(True), or_(*who)).order_by(User.id)
    return list(session.scalars(query))
