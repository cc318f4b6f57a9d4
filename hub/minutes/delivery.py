"""Action items to their owners: an outbox, delivered by MQTT and to every webhook of the owner.

A row of ``action_item_deliveries`` is one event about one item for one person, written in
the transaction that decided it (confirmation, a reminder). Delivery is at least once: a
POST whose 2xx answer was lost, or a hub stopped between the answer and the commit, is
sent again, with the same ``Idempotency-Key`` (stable per event, item, owner and webhook)
for the receiver to drop the repeat. The window is kept as small as it can be: each
webhook's success is committed right after its 2xx, before the next webhook is tried.

- MQTT: ``<prefix>/v1/users/<user>/action-items``, QoS 1, not retained, the JSON body.
- Webhooks: POST of the JSON body with ``X-Quorum-Event``, ``Idempotency-Key`` and
  ``X-Quorum-Signature: sha256=<hex HMAC-SHA256 of the body with the webhook's secret>``.
  Failures are retried after 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h and 8 h; then
  the row is ``failed`` with its last error (shown with the item in the API).
- Owners who left: when the owner is inactive at send time nothing is sent, by neither
  channel, and the row is ``failed`` with :data:`OWNER_INACTIVE`; only active webhooks are
  posted to, read at send time.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hub.db.minutes_models import ActionItem, ActionItemDelivery
from hub.db.models import User, Webhook
from hub.db.speech_models import MinutesSession
from hub.webhooks import sign

log = logging.getLogger(__name__)

ASSIGNED = "action_item.assigned"
DUE_SOON = "action_item.due_soon"
OVERDUE = "action_item.overdue"
RETRY_DELAYS = tuple(timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600, 7200, 14400, 28800))
BATCH = 100
OWNER_INACTIVE = "not sent: the owner's account is inactive"

# POST and return the HTTP status; raise on a network error or a refused target.
Poster = Callable[[str, bytes, dict[str, str]], int]
# Publish a body on a person's action-items topic; False when it could not be queued now.
UserPublisher = Callable[[str, bytes], bool]


def item_payload(item: ActionItem, meeting: MinutesSession | None, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "item": {
            "id": item.id,
            "task": item.task,
            "owner": item.owner_name,
            "owner_user_id": item.owner_user_id,
            "due": None if item.due is None else item.due.isoformat(),
            "status": item.status,
        },
        "meeting": {
            "session_id": item.session_id,
            "room_id": None if meeting is None else meeting.room_id,
            "title": None if meeting is None else meeting.title,
            "started_at": None if meeting is None else meeting.started_at.isoformat(),
        },
        "evidence": {"quote": item.evidence.get("quote"), "start": item.evidence.get("start")},
    }


def queue(
    session: Session,
    item: ActionItem,
    meeting: MinutesSession | None,
    event: str,
    now: datetime,
) -> ActionItemDelivery | None:
    """Queue ``event`` for the item's owner, once (None: no owner, or queued before)."""
    if item.owner_user_id is None:
        return None
    existing = session.scalar(
        select(ActionItemDelivery.id).where(
            ActionItemDelivery.item_id == item.id,
            ActionItemDelivery.user_id == item.owner_user_id,
            ActionItemDelivery.event == event,
        )
    )
    if existing is not None:
        return None
    row = ActionItemDelivery(
        item_id=item.id,
        session_id=item.session_id,
        user_id=item.owner_user_id,
        event=event,
        payload=item_payload(item, meeting, event),
        created_at=now,
        state="pending",
        webhooks_done=[],
        attempts=0,
        next_attempt_at=now,
    )
    session.add(row)
    return row


def idempotency_key(row: ActionItemDelivery, webhook_id: int) -> str:
    """The same for every attempt of one event of one item to one owner's webhook."""
    raw = f"{row.event}|{row.item_id}|{row.user_id}|{webhook_id}".encode()
    return "qai-" + hashlib.sha256(raw).hexdigest()[:40]


def body_of(row: ActionItemDelivery) -> bytes:
    return orjson.dumps({"delivery_id": row.id, "user_id": row.user_id, **row.payload})


@dataclass
class DeliveryReport:
    mqtt_sent: int = 0
    webhooks_delivered: int = 0
    retries_scheduled: int = 0
    failed: int = 0


def deliver_due(
    factory: sessionmaker[Session],
    now: datetime,
    *,
    publish: UserPublisher | None,
    post: Poster,
) -> DeliveryReport:
    """Send what is due, committing after every success. ``publish`` None: no broker."""
    report = DeliveryReport()
    with factory() as session:
        due = list(
            session.scalars(
                select(ActionItemDelivery.id)
                .where(
                    ActionItemDelivery.state == "pending",
                    ActionItemDelivery.next_attempt_at <= now,
                )
                .order_by(ActionItemDelivery.id)
                .limit(BATCH)
            )
        )
    for row_id in due:
        try:
            with factory() as session:
                _deliver_one(session, row_id, now, publish, post, report)
        except Exception:  # e.g. its meeting was deleted meanwhile; the others go on
            log.exception("action item delivery %s failed", row_id)
    return report


def _deliver_one(
    session: Session,
    row_id: int,
    now: datetime,
    publish: UserPublisher | None,
    post: Poster,
    report: DeliveryReport,
) -> None:
    row = session.get(ActionItemDelivery, row_id)
    if row is None or row.state != "pending":
        return  # delivered meanwhile, or its meeting was deleted
    owner = session.get(User, row.user_id)
    if owner is None or not owner.active:
        row.state, row.done_at, row.next_attempt_at = "failed", now, None
        row.last_error = OWNER_INACTIVE
        session.commit()
        report.failed += 1
        return
    body = body_of(row)
    errors: list[str] = []
    if publish is not None and row.mqtt_sent_at is None:
        if publish(row.user_id, body):
            row.mqtt_sent_at = now
            report.mqtt_sent += 1
            session.commit()
        else:
            errors.append("MQTT: the hub is not connected to the broker")
    hooks = session.scalars(
        select(Webhook)
        .where(Webhook.user_id == row.user_id, Webhook.active.is_(True))
        .order_by(Webhook.id)
    ).all()
    for hook in hooks:
        if hook.id in row.webhooks_done:
            continue
        headers = {
            "Content-Type": "application/json",
            "X-Quorum-Event": row.event,
            "Idempotency-Key": idempotency_key(row, hook.id),
            "X-Quorum-Signature": sign(hook.secret, body),
        }
        try:
            status = post(hook.url, body, headers)
        except Exception as exc:  # any network failure (or a refused target) is retried
            errors.append(f"{hook.url}: {type(exc).__name__}: {exc}"[:300])
            continue
        if 200 <= status < 300:
            row.webhooks_done = [*row.webhooks_done, hook.id]
            session.commit()  # at once: a restart now must not post this one again
            report.webhooks_delivered += 1
        else:
            errors.append(f"{hook.url}: HTTP {status}")
    _settle(row, errors, now, report)
    session.commit()


def _settle(
    row: ActionItemDelivery, errors: list[str], now: datetime, report: DeliveryReport
) -> None:
    row.attempts += 1
    if not errors:
        row.state, row.done_at, row.last_error, row.next_attempt_at = "delivered", now, None, None
        return
    row.last_error = "; ".join(errors)[:2000]
    if row.attempts > len(RETRY_DELAYS):
        row.state, row.done_at, row.next_attempt_at = "failed", now, None
        row.last_error = f"gave up after {row.attempts} attempts: {row.last_error}"[:2000]
        report.failed += 1
        log.warning("action item delivery %s: %s", row.id, row.last_error)
        return
    row.next_attempt_at = now + RETRY_DELAYS[row.attempts - 1]
    report.retries_scheduled += 1
