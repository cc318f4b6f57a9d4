"""Check-in and release of bookings, their decisions (the audit trail), and where notices go.

A check-in carries ``at``, the moment it was made (a door display or a terminal that was
cut off from the hub sends it later); without it, now. docs/checkin.md has the rules.
"""

import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import AnyHttpUrl, BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.common import (
    MAX_ROW_ID,
    TIME_EXAMPLE,
    Limit,
    Offset,
    SelfService,
    UtcTime,
    not_found,
    parse_time,
)
from hub.api.errors import BAD_BODY, CONFLICT, NOT_FOUND
from hub.audit.actors import record_api
from hub.auth.dependencies import require_roles
from hub.auth.roles import ALL_ROLES, STAFF, Principal
from hub.auth.scope import visible_room_ids
from hub.checkin.access import may_act_on, may_use_space
from hub.checkin.actions import CheckInError, check_in, find_occurrence, release
from hub.checkin.rules import EXPLICIT_METHODS
from hub.checkin.wiring import policy_from
from hub.db.models import (
    Booking,
    BookingDecision,
    BookingOccurrence,
    Desk,
    Notification,
    Room,
    Webhook,
)
from hub.state import ClockDep, SessionDep, SettingsDep
from hub.webhooks import UnsafeTarget, check_target

router = APIRouter(tags=["check-in"])

AnyRole = Annotated[Principal, Depends(require_roles(*ALL_ROLES))]
StaffCaller = Annotated[Principal, Depends(require_roles(*STAFF))]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
# A check-in stamped this far in the future is a wrong clock, not a check-in.
CLOCK_SLACK = timedelta(minutes=2)


class CheckInIn(BaseModel):
    at: UtcTime | None = Field(
        default=None, description="When the check-in was made; default: now."
    )
    method: Literal["api", "voice", "display"] = "api"


class DecisionOut(BaseModel):
    id: int
    booking_id: str
    occurrence_id: int | None
    kind: str = Field(description="checked_in, released_no_show, release_undone, ...")
    actor: str = Field(description='"hub", or the user who did it')
    decided_at: UtcTime
    effective_at: UtcTime = Field(description="Event time the decision takes effect from.")
    explanation: str
    evidence: list[dict[str, Any]] = Field(
        description='What was seen: {"at", "what", "until"?}, and for reports of the space\'s '
        'state the "signals" that decided it (and the fused "probability")'
    )


class OccurrenceStateOut(BaseModel):
    occurrence_id: int
    booking_id: str
    space_kind: str
    space_id: str
    starts_at: UtcTime
    ends_at: UtcTime
    state: str
    checked_in_at: UtcTime | None
    check_in_method: str | None
    released_at: UtcTime | None
    release_reason: str | None
    decisions: list[DecisionOut] = Field(description="What this request decided.")


def decision_out(row: BookingDecision) -> DecisionOut:
    return DecisionOut(
        id=row.id,
        booking_id=row.booking_id,
        occurrence_id=row.occurrence_id,
        kind=row.kind,
        actor=row.actor,
        decided_at=row.decided_at,
        effective_at=row.effective_at,
        explanation=row.explanation,
        evidence=[dict(e) for e in row.evidence],
    )


def _state_out(row: BookingOccurrence, decisions: list[BookingDecision]) -> OccurrenceStateOut:
    return OccurrenceStateOut(
        occurrence_id=row.id,
        booking_id=row.booking_id,
        space_kind=row.space_kind,
        space_id=row.space_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        state=row.state,
        checked_in_at=row.checked_in_at,
        check_in_method=row.check_in_method,
        released_at=row.released_at,
        release_reason=row.release_reason,
        decisions=[decision_out(d) for d in decisions],
    )


def _when(body: CheckInIn, now: datetime) -> datetime:
    at = body.at or now
    if body.at is not None:  # the same range and offset rules as every time the API reads
        at = parse_time(body.at.isoformat(), "at")
    if at > now + CLOCK_SLACK:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"'at' is in the future ({at.isoformat()}; the hub's time is {now.isoformat()})",
        )
    return at


def _check_in(
    session: Session,
    caller: Principal,
    occurrence: BookingOccurrence,
    body: CheckInIn,
    now: datetime,
    settings: SettingsDep,
) -> OccurrenceStateOut:
    booking = session.get(Booking, occurrence.booking_id)
    if booking is None or not may_act_on(session, caller, booking):
        raise not_found("booking occurrence", str(occurrence.id))
    assert body.method in EXPLICIT_METHODS
    try:
        decisions = check_in(
            session,
            occurrence,
            at=_when(body, now),
            method=body.method,
            actor=caller.user_id,
            now=now,
            policy=policy_from(settings),
        )
    except CheckInError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    session.commit()
    return _state_out(occurrence, decisions)


def _space_check_in(
    session: Session,
    caller: Principal,
    space_kind: str,
    space_id: str,
    body: CheckInIn,
    now: datetime,
    settings: SettingsDep,
) -> OccurrenceStateOut:
    model = Room if space_kind == "room" else Desk
    if session.get(model, space_id) is None or not may_use_space(
        session, caller, space_kind, space_id
    ):
        raise not_found(space_kind, space_id)
    at = _when(body, now)
    occurrence = find_occurrence(session, space_kind, space_id, at, policy_from(settings))
    if occurrence is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"nothing is booked in {space_kind} {space_id!r} at {at.isoformat()} "
            "(check-in opens a few minutes before the start)",
        )
    return _check_in(session, caller, occurrence, body, now, settings)


@router.post(
    "/rooms/{room_id}/check-in",
    summary="Check in to the booking under way in a room",
    responses={**NOT_FOUND, **CONFLICT, **BAD_BODY},
)
def check_in_room(
    caller: AnyRole,
    room_id: str,
    body: CheckInIn,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> OccurrenceStateOut:
    return _space_check_in(session, caller, "room", room_id, body, clock.now(), settings)


@router.post(
    "/desks/{desk_id}/check-in",
    summary="Check in to the booking under way at a desk",
    responses={**NOT_FOUND, **CONFLICT, **BAD_BODY},
)
def check_in_desk(
    caller: AnyRole,
    desk_id: str,
    body: CheckInIn,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> OccurrenceStateOut:
    return _space_check_in(session, caller, "desk", desk_id, body, clock.now(), settings)


def _occurrence(session: Session, occurrence_id: int) -> BookingOccurrence:
    occurrence = session.get(BookingOccurrence, occurrence_id, with_for_update=True)
    if occurrence is None:
        raise not_found("booking occurrence", str(occurrence_id))
    return occurrence


@router.post(
    "/occurrences/{occurrence_id}/check-in",
    summary="Check in to one occurrence of a booking",
    responses={**NOT_FOUND, **CONFLICT, **BAD_BODY},
)
def check_in_occurrence(
    caller: AnyRole,
    occurrence_id: RowId,
    body: CheckInIn,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> OccurrenceStateOut:
    occurrence = _occurrence(session, occurrence_id)
    return _check_in(session, caller, occurrence, body, clock.now(), settings)


@router.post(
    "/occurrences/{occurrence_id}/release",
    summary="Give the space back (before the start: cancel this occurrence)",
    responses={**NOT_FOUND, **CONFLICT},
)
def release_occurrence(
    caller: AnyRole, occurrence_id: RowId, session: SessionDep, clock: ClockDep
) -> OccurrenceStateOut:
    occurrence = _occurrence(session, occurrence_id)
    booking = session.get(Booking, occurrence.booking_id)
    if booking is None or not may_act_on(session, caller, booking):
        raise not_found("booking occurrence", str(occurrence_id))
    try:
        decision = release(session, occurrence, actor=caller.user_id, now=clock.now())
    except CheckInError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    session.commit()
    return _state_out(occurrence, [decision])


@router.get(
    "/bookings/{booking_id}/decisions",
    summary="Every decision on a booking, with what was seen",
    responses=NOT_FOUND,
)
def booking_decisions(caller: AnyRole, booking_id: str, session: SessionDep) -> list[DecisionOut]:
    booking = session.get(Booking, booking_id)
    if booking is None or not may_act_on(session, caller, booking):
        raise not_found("booking", booking_id)
    rows = session.scalars(
        select(BookingDecision)
        .where(BookingDecision.booking_id == booking_id)
        .order_by(BookingDecision.decided_at, BookingDecision.id)
    )
    return [decision_out(row) for row in rows]


@router.get("/decisions", summary="Decisions on the bookings of the spaces you may see")
def list_decisions(
    caller: StaffCaller,
    session: SessionDep,
    limit: Limit = 100,
    offset: Offset = 0,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    space_id: Annotated[str | None, Query(max_length=63)] = None,
    since: Annotated[
        str | None,
        Query(
            description="Only decisions taken from then on (ISO-8601 with offset).",
            examples=[TIME_EXAMPLE],
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
) -> list[DecisionOut]:
    query = select(BookingDecision).join(Booking, Booking.id == BookingDecision.booking_id)
    if not caller.is_admin:
        rooms = visible_room_ids(session, caller)
        desks = select(Desk.id).where(Desk.room_id.in_(rooms))
        query = query.where(
            ((Booking.space_kind == "room") & Booking.space_id.in_(rooms))
            | ((Booking.space_kind == "desk") & Booking.space_id.in_(desks))
        )
    if kind is not None:
        query = query.where(BookingDecision.kind == kind)
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    if since is not None:
        query = query.where(BookingDecision.decided_at >= parse_time(since, "since"))
    rows = session.scalars(
        query.order_by(BookingDecision.decided_at.desc(), BookingDecision.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [decision_out(row) for row in rows]


# -- where a person's notices go ---------------------------------------------------


class WebhookIn(BaseModel):
    url: AnyHttpUrl = Field(description="Notices are POSTed here as JSON.")


class WebhookOut(BaseModel):
    id: int
    url: str
    active: bool
    created_at: UtcTime


class NewWebhookOut(WebhookOut):
    secret: str = Field(
        description="Shown once: X-Quorum-Signature is sha256=HMAC-SHA256(secret, body)."
    )


class NotificationOut(BaseModel):
    id: int
    kind: str
    created_at: UtcTime
    payload: dict[str, object]
    mqtt_sent_at: UtcTime | None
    webhook_done_at: UtcTime | None
    attempts: int
    last_error: str | None


MAX_WEBHOOKS = 10


@router.get("/me/webhooks", summary="Your webhooks")
def my_webhooks(caller: SelfService, session: SessionDep) -> list[WebhookOut]:
    rows = session.scalars(
        select(Webhook).where(Webhook.user_id == caller.user_id).order_by(Webhook.id)
    )
    return [WebhookOut(id=r.id, url=r.url, active=r.active, created_at=r.created_at) for r in rows]


@router.post(
    "/me/webhooks",
    summary="Have your booking notices POSTed to a URL",
    status_code=201,
    responses={**CONFLICT, **BAD_BODY},
)
def add_webhook(
    caller: SelfService,
    body: WebhookIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> NewWebhookOut:
    try:  # checked again before every POST (hub/webhooks.py)
        check_target(str(body.url), allow_private=settings.webhook_allow_private)
    except UnsafeTarget as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"webhooks may not point into private networks: {exc}",
        ) from exc
    count = len(session.scalars(select(Webhook.id).where(Webhook.user_id == caller.user_id)).all())
    if count >= MAX_WEBHOOKS:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"at most {MAX_WEBHOOKS} webhooks per person"
        )
    hook = Webhook(
        user_id=caller.user_id,
        url=str(body.url),
        secret=secrets.token_hex(32),
        created_at=clock.now(),
        active=True,
    )
    session.add(hook)
    session.flush()
    _audit_webhook(session, request, caller, "webhook.create", hook, clock.now())
    session.commit()
    return NewWebhookOut(
        id=hook.id, url=hook.url, active=True, created_at=hook.created_at, secret=hook.secret
    )


@router.delete(
    "/me/webhooks/{webhook_id}", summary="Remove one of your webhooks", responses=NOT_FOUND
)
def remove_webhook(
    caller: SelfService, webhook_id: RowId, request: Request, session: SessionDep, clock: ClockDep
) -> WebhookOut:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.user_id != caller.user_id:
        raise not_found("webhook", str(webhook_id))
    out = WebhookOut(id=hook.id, url=hook.url, active=False, created_at=hook.created_at)
    _audit_webhook(session, request, caller, "webhook.delete", hook, clock.now())
    session.delete(hook)
    session.commit()
    return out


def _audit_webhook(
    session: Session, request: Request, caller: Principal, action: str, hook: Webhook, now: datetime
) -> None:
    # Only the host: a webhook URL's path or query often is a secret (chat incoming hooks).
    host = urlsplit(hook.url).hostname or ""
    details = {"user_id": hook.user_id, "host": host}
    record_api(
        session,
        request,
        caller,
        action=action,
        target=f"webhook:{hook.id}",
        details=details,
        now=now,
    )


@router.get("/me/notifications", summary="Notices about your bookings, newest first")
def my_notifications(
    caller: SelfService, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> list[NotificationOut]:
    rows = session.scalars(
        select(Notification)
        .where(Notification.user_id == caller.user_id)
        .order_by(Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        NotificationOut(
            id=r.id,
            kind=r.kind,
            created_at=r.created_at,
            payload=r.payload,
            mqtt_sent_at=r.mqtt_sent_at,
            webhook_done_at=r.webhook_done_at,
            attempts=r.attempts,
            last_error=r.last_error,
        )
        for r in rows
    ]
