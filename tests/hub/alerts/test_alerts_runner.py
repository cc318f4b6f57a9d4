"""The alerts loop on a real store and a fake clock: an alert's whole life, its notices in
the outbox (delivered by the outbox's own delivery), its live events."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from alerts_world import RecordingFeed
from api_world import Hub, populate, running_hub
from sqlalchemy import func, select

from hub.alerts.config import AlertConfig
from hub.alerts.runner import AlertsRunner
from hub.checkin.notify import deliver_pending
from hub.db.alert_models import Alert
from hub.db.models import Device, Notification

COSMOS_TERMINAL = "term-hq-f2-cosmos"  # in the exec department's boardroom


def set_online(hub: Hub, device_id: str, online: bool) -> None:
    with hub.session() as session:
        device = session.get_one(Device, device_id)
        device.online, device.status_changed_at = online, hub.clock.now()


def alerts(hub: Hub) -> list[Alert]:
    with hub.session() as session:
        rows = list(session.scalars(select(Alert).order_by(Alert.id)))
        session.expunge_all()
    return rows


def notices(hub: Hub) -> list[tuple[str, str, int]]:
    with hub.session() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [(n.kind, n.user_id, n.payload["alert"]["id"]) for n in rows]


def test_an_offline_terminal_is_one_alert_until_it_is_back_then_resolved(
    hub: Hub, runner: AlertsRunner, feed: RecordingFeed
) -> None:
    offline_terminal_life(hub, runner, feed)


def test_the_same_on_postgresql(tmp_path: Path, fresh_database: Any) -> None:
    url = fresh_database("postgresql", "schema")
    with running_hub(tmp_path, database_url=url) as hub:
        assert hub.state.engine.dialect.name == "postgresql"
        populate(hub)
        feed = RecordingFeed()
        runner = AlertsRunner(
            session_factory=hub.state.session_factory,
            clock=hub.clock,
            config=AlertConfig(),
            live=feed,
        )
        offline_terminal_life(hub, runner, feed)


def offline_terminal_life(hub: Hub, runner: AlertsRunner, feed: RecordingFeed) -> None:
    """Offline 9 min: nothing; 10 min: one alert for 30 evaluations; back: resolved after the
    hold-down; offline again: a new alert."""
    set_online(hub, COSMOS_TERMINAL, False)
    hub.clock.advance(9 * 60)
    runner.tick()
    assert alerts(hub) == []  # not offline for ten minutes yet
    hub.clock.advance(60)
    opened_at = hub.clock.now()
    for _ in range(30):
        runner.tick()
        hub.clock.advance(60)
    (alert,) = alerts(hub)
    assert (alert.rule, alert.subject_kind, alert.subject_id) == (
        "device_offline",
        "device",
        COSMOS_TERMINAL,
    )
    assert alert.severity == "critical" and alert.room_id == "hq-f2-cosmos"
    assert alert.opened_at == opened_at
    assert alert.last_seen_at == opened_at + timedelta(minutes=29)
    # Admins and the exec department's facilities staff; nobody else, and only once.
    assert notices(hub) == [
        ("alert_opened", "admin", alert.id),
        ("alert_opened", "facilities-exec", alert.id),
    ]

    set_online(hub, COSMOS_TERMINAL, True)
    back_at = hub.clock.now()
    for _ in range(15):  # the hold-down: 15 min clear before it resolves
        runner.tick()
        hub.clock.advance(60)
    assert alerts(hub)[0].resolved_at is None
    runner.tick()
    (alert,) = alerts(hub)
    assert alert.resolved_at == back_at + timedelta(minutes=15)
    assert notices(hub)[2:] == [
        ("alert_resolved", "admin", alert.id),
        ("alert_resolved", "facilities-exec", alert.id),
    ]
    assert [(e["type"], e["event"], e["room_id"]) for e in feed.events] == [
        ("alert", "opened", "hq-f2-cosmos"),
        ("alert", "resolved", "hq-f2-cosmos"),
    ]
    assert feed.events[1]["alert"]["resolved_at"] == alert.resolved_at.isoformat()

    # Offline again later: a new alert, not the old one re-opened.
    set_online(hub, COSMOS_TERMINAL, False)
    hub.clock.advance(11 * 60)
    runner.tick()
    first, second = alerts(hub)
    assert first.resolved_at is not None and second.resolved_at is None
    assert second.id != first.id


def test_a_terminal_flapping_within_the_hold_down_opens_one_alert(
    hub: Hub, runner: AlertsRunner
) -> None:
    set_online(hub, COSMOS_TERMINAL, False)
    hub.clock.advance(11 * 60)
    for _ in range(6):  # back for 5 minutes, gone for 11, again and again
        runner.tick()
        set_online(hub, COSMOS_TERMINAL, True)
        hub.clock.advance(5 * 60)
        runner.tick()
        set_online(hub, COSMOS_TERMINAL, False)
        hub.clock.advance(11 * 60)
    runner.tick()
    (alert,) = alerts(hub)
    assert alert.resolved_at is None
    assert [kind for kind, _, _ in notices(hub)] == ["alert_opened", "alert_opened"]


def test_the_notices_go_out_through_the_outbox_delivery(hub: Hub, runner: AlertsRunner) -> None:
    set_online(hub, "term-hq-f1-aurora", False)  # a shared room: every facilities account
    hub.clock.advance(11 * 60)
    runner.tick()
    sent: list[tuple[str, dict[str, Any]]] = []

    def publish(user_id: str, body: bytes) -> bool:
        sent.append((user_id, orjson.loads(body)))
        return True

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        raise AssertionError("nobody registered a webhook")

    with hub.session() as session:
        deliver_pending(session, hub.clock.now(), publish=publish, post=post)
    assert sorted(user for user, _ in sent) == [
        "admin",
        "facilities-engineering",
        "facilities-exec",
    ]
    body = sent[0][1]
    assert body["kind"] == "alert_opened"
    assert body["alert"]["subject_id"] == "term-hq-f1-aurora"
    assert set(body["alert"]) == {
        "id",
        "rule",
        "subject_kind",
        "subject_id",
        "room_id",
        "severity",
        "message",
        "opened_at",
        "last_seen_at",
        "resolved_at",
        "details",
    }
    with hub.session() as session:
        pending = session.scalar(select(func.count()).where(Notification.mqtt_sent_at.is_(None)))
    assert pending == 0
