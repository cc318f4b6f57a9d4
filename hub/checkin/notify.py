"""Notices to people about their bookings: an outbox, delivered by MQTT and webhooks.

A decision writes its notice into ``notifications`` in the same transaction, so a notice
exists exactly when its decision was committed. Delivery happens afterwards and may be
retried, so receivers see a notice *at least* once: each carries its ``id`` (also in the
``X-Quorum-Notification`` header) for them to drop repeats.

- MQTT: ``<prefix>/v1/users/<user>/notifications``, QoS 1, JSON (the same body).
- Webhooks: each active webhook of the person gets a POST with the JSON body, signed with
  the webhook's secret: ``X-Quorum-Signature: sha256=<hex HMAC-SHA256 of the body>``. A
  notice counts as delivered when every webhook answered 2xx; otherwise it is tried again
  with growing delays, and given up after MAX_ATTEMPTS (kept, with the error, in the API).
- Owners who left: a notice whose owner is inactive when it is due is not sent at all, by
  neither channel; it is settled with :data:`OWNER_INACTIVE` as its error. Only active
  webhooks of active owners are posted to; both are read at send time.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.db.models import Booking, BookingOccurrence, Notification, User, Webhook
from hub.webhooks import WEBHOOK_TIMEOUT_S, sign

__all__ = ["WEBHOOK_TIMEOUT_S", "deliver_pending", "queue_notice", "sign"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
OWNER_INACTIVE = "not sent: the owner's account is inactive"
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=1)
BATCH = 100


def queue_notice(
    session: Session,
    user_id: str,
    kind: str,
    booking: Booking,
    occurrence: BookingOccurrence | None,
    explanation: str,
    now: datetime,
) -> Notification:
    payload: dict[str, Any] = {
        "kind": kind,
        "booking_id": booking.id,
        "title": booking.title,
        "space_kind": booking.space_kind,
        "space_id": booking.space_id,
        "explanation": explanation,
        "decided_at": now.isoformat(),
    }
    if occurrence is not None:
        payload |= {
            "occurrence_id": occurrence.id,
            "starts_at": occurrence.starts_at.isoformat(),
            "ends_at": occurrence.ends_at.isoformat(),
            "state": occurrence.state,
        }
    notice = Notification(
        created_at=now,
        user_id=user_id,
        kind=kind,
        booking_id=booking.id,
        payload=payload,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(notice)
    return notice


class WebhookPoster(Protocol):
    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST and return the HTTP status; raise on a network error."""
        ...


# Publish one notice body on a person's topic; False when it could not be queued now.
MqttPublisher = Callable[[str, bytes], bool]


@dataclass
class DeliveryReport:
    mqtt_sent: int = 0
    webhooks_delivered: int = 0
    retries_scheduled: int = 0
    given_up: int = 0
    dropped: int = 0  # owner inactive


def body_of(notice: Notification) -> bytes:
    return orjson.dumps({"id": notice.id, "user_id": notice.user_id, **notice.payload})


def deliver_pending(
    session: Session,
    now: datetime,
    *,
    publish: MqttPublisher | None,
    post: WebhookPoster,
) -> DeliveryReport:
    """Send what is due; the caller commits. ``publish`` None: no broker configured."""
    report = DeliveryReport()
    undelivered = [Notification.webhook_done_at.is_(None)]
    if publish is not None:
        undelivered.append(Notification.mqtt_sent_at.is_(None))
    pending = session.scalars(
        select(Notification)
        .where(
            or_(*undelivered),
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .order_by(Notification.id)
        .limit(BATCH)
    ).all()
    owners = {n.user_id for n in pending}
    active = set(session.scalars(select(User.id).where(User.id.in_(owners), User.active)))
    hooks = _webhooks(session, owners)
    for notice in pending:
        if notice.user_id not in active:
            _drop(notice, now)
            report.dropped += 1
            continue
        body = body_of(notice)
        if notice.mqtt_sent_at is None and publish is not None and publish(notice.user_id, body):
            notice.mqtt_sent_at = now
            report.mqtt_sent += 1
        if notice.webhook_done_at is None:
            _post_all(notice, body, hooks.get(notice.user_id, []), post, now, report)
    return report


def _post_all(
    notice: Notification,
    body: bytes,
    hooks: list[Webhook],
    post: WebhookPoster,
    now: datetime,
    report: DeliveryReport,
) -> None:
    errors = []
    for hook in hooks:
        headers = {
            "Content-Type": "application/json",
            "X-Quorum-Notification": str(notice.id),
            "X-Quorum-Signature": sign(hook.secret, body),
        }
        try:
            status = post(hook.url, body, headers)
        except Exception as exc:  # any network failure is retried the same way
            errors.append(f"{hook.url}: {type(exc).__name__}: {exc}"[:300])
            continue
        if not 200 <= status < 300:
            errors.append(f"{hook.url}: HTTP {status}")
    notice.attempts += 1
    if not errors:
        notice.webhook_done_at = now
        notice.last_error = None
        report.webhooks_delivered += len(hooks)
        return
    notice.last_error = "; ".join(errors)[:2000]
    if notice.attempts >= MAX_ATTEMPTS:
        notice.webhook_done_at = now
        notice.last_error = f"gave up after {notice.attempts} attempts: {notice.last_error}"
        report.given_up += 1
        log.warning("notice %s: %s", notice.id, notice.last_error)
        return
    delay = min(FIRST_RETRY * 2 ** (notice.attempts - 1), LONGEST_RETRY)
    notice.next_attempt_at = now + delay
    report.retries_scheduled += 1


def _drop(notice: Notification, now: datetime) -> None:
    """Settle a notice of someone who left without sending it ("sent" here means settled)."""
    notice.webhook_done_at = now
    if notice.mqtt_sent_at is None:
        notice.mqtt_sent_at = now
    notice.next_attempt_at = None
    notice.last_error = OWNER_INACTIVE


def _webhooks(session: Session, user_ids: set[str]) -> dict[str, list[Webhook]]:
    found: dict[str, list[Webhook]] = {}
    if not user_ids:
        return found
    for hook in session.scalars(
        select(Webhook)
        .join(User, User.id == Webhook.user_id)
        .where(Webhook.user_id.in_(user_ids), Webhook.active.is_(True), User.active.is_(True))
        .order_by(Webhook.id)
    ):
        found.setdefault(hook.user_id, []).append(hook)
    return found
