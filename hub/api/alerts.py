"""Alerts of the threshold rules (docs/alerts.md): open, resolved, or all.

Admins see every alert; facilities staff those about their department's rooms, shared
rooms, and what is in them (desks, terminals); anyone else gets 403. An alert outside the
caller's scope is 404, as if it did not exist.
"""

from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, or_, select, true

from hub.alerts.config import RULES
from hub.api.common import MAX_ROW_ID, Limit, Offset, Staff, UtcTime, not_found
from hub.api.errors import NOT_FOUND
from hub.auth.roles import Principal
from hub.auth.scope import room_clause
from hub.db.alert_models import Alert
from hub.db.models import Room
from hub.state import SessionDep

router = APIRouter(tags=["alerts"])

AlertId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
RuleName = Literal[
    "low_utilization",
    "over_capacity",
    "device_offline",
    "door_stuck",
    "sensors_silent",
    "spool_full",
    "spool_nearly_full",
    "update_failed",
]
assert set(get_args(RuleName)) == set(RULES), "RuleName must list hub.alerts.config.RULES"


class AlertOut(BaseModel):
    id: int
    rule: str = Field(description="Which rule found it (docs/alerts.md).")
    subject_kind: Literal["room", "desk", "device", "floor"]
    subject_id: str
    room_id: str | None = Field(description="The room the subject is in (the room itself).")
    severity: Literal["info", "warning", "critical"]
    message: str = Field(description="One sentence for people.")
    opened_at: UtcTime
    last_seen_at: UtcTime = Field(description="Last evaluation that found the condition.")
    resolved_at: UtcTime | None = Field(description="null while open.")
    details: dict[str, Any] = Field(description="What the rule found; differs by rule.")


def _out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.id,
        rule=alert.rule,
        subject_kind=alert.subject_kind,
        subject_id=alert.subject_id,
        room_id=alert.room_id,
        severity=alert.severity,
        message=alert.message,
        opened_at=alert.opened_at,
        last_seen_at=alert.last_seen_at,
        resolved_at=alert.resolved_at,
        details=alert.details,
    )


def _scope(caller: Principal) -> ColumnElement[bool]:
    if caller.is_admin:
        return true()
    return Alert.room_id.in_(select(Room.id).where(room_clause(caller)))


@router.get("/alerts", summary="Alerts you may see, newest first")
def list_alerts(
    caller: Staff,
    session: SessionDep,
    state: Annotated[
        Literal["open", "resolved", "all"], Query(description="open (default), resolved or all.")
    ] = "open",
    rule: RuleName | None = None,
    space_id: Annotated[
        str | None, Query(description="About this room or desk, or anything in this room.")
    ] = None,
    device_id: Annotated[str | None, Query(description="About this terminal.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AlertOut]:
    query = select(Alert).where(_scope(caller))
    if state == "open":
        query = query.where(Alert.resolved_at.is_(None))
    elif state == "resolved":
        query = query.where(Alert.resolved_at.is_not(None))
    if rule is not None:
        query = query.where(Alert.rule == rule)
    if space_id is not None:
        about = and_(Alert.subject_kind.in_(("room", "desk")), Alert.subject_id == space_id)
        query = query.where(or_(about, Alert.room_id == space_id))
    if device_id is not None:
        query = query.where(Alert.subject_kind == "device", Alert.subject_id == device_id)
    query = query.order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(limit).offset(offset)
    return [_out(alert) for alert in session.scalars(query)]


@router.get("/alerts/{alert_id}", summary="One alert", responses=NOT_FOUND)
def get_alert(caller: Staff, alert_id: AlertId, session: SessionDep) -> AlertOut:
    alert = session.scalar(select(Alert).where(Alert.id == alert_id, _scope(caller)))
    if alert is None:
        raise not_found("alert", alert_id)
    return _out(alert)
