"""``spool_nearly_full`` end to end: heartbeats carrying the spool's fill go through ingest
into a real hub store, and the alerts loop (fake clock) opens, keeps and resolves one alert;
the device API shows the fill."""

from datetime import timedelta

import orjson
from alerts_world import RecordingFeed
from api_world import Hub
from sqlalchemy import select

from contract import topics
from hub.alerts.runner import AlertsRunner
from hub.db.alert_models import Alert
from hub.ingest.apply import Received, apply_batch

ROOM, TERMINAL = "hq-f1-borealis", "term-hq-f1-borealis"
BOOT = "20260106T080000-5be0c4a1"
MAX_MESSAGES, MAX_BYTES = 50_000, 64 * 1024 * 1024


class Terminal:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.seq = 0

    def heartbeat(self, pending: int, size: int = 0) -> None:
        """A heartbeat stamped now with ``pending`` messages of ``size`` bytes in its spool."""
        self.seq += 1
        data = {
            "uptime_s": 60.0 * self.seq,
            "interval_s": 60.0,
            "spaces": [],
            "spool": {
                "pending": pending,
                "max_messages": MAX_MESSAGES,
                "bytes": size,
                "max_bytes": MAX_BYTES,
            },
        }
        payload = orjson.dumps(
            {
                "v": 1,
                "type": "heartbeat",
                "ts": self.hub.clock.now().isoformat(),
                "device": TERMINAL,
                "boot": BOOT,
                "seq": self.seq,
                "data": data,
            }
        )
        topic = topics.heartbeat_topic("quorum", ROOM, TERMINAL)
        with self.hub.state.session_factory() as session, session.begin():
            result = apply_batch(
                session, [Received(topic, payload, self.hub.clock.now())], self.hub.clock
            )
        assert result.stored == 1 and result.dead == []


def spool_alerts(hub: Hub) -> list[Alert]:
    with hub.session() as session:
        rows = list(
            session.scalars(
                select(Alert).where(Alert.rule == "spool_nearly_full").order_by(Alert.id)
            )
        )
        session.expunge_all()
    return rows


def minutes(hub: Hub, runner: AlertsRunner, count: int) -> None:
    for _ in range(count):
        hub.clock.advance(60)
        runner.tick()


def test_a_spool_at_80_percent_opens_one_alert_that_resolves_after_the_hold_down(
    hub: Hub, runner: AlertsRunner, feed: RecordingFeed
) -> None:
    terminal = Terminal(hub)
    terminal.heartbeat(39_999)  # 79.998 %: not yet
    runner.tick()
    assert spool_alerts(hub) == []
    hub.clock.advance(60)
    terminal.heartbeat(40_000)  # 80 % of its messages
    opened_at = hub.clock.now()
    runner.tick()
    (alert,) = spool_alerts(hub)
    assert (alert.subject_kind, alert.subject_id, alert.room_id) == ("device", TERMINAL, ROOM)
    assert alert.severity == "warning" and alert.opened_at == opened_at
    assert alert.details["messages_pct"] == 80.0 and alert.details["pending"] == 40_000
    assert "spool is 80 % full (40000 of 50000 messages" in alert.message
    # The device API shows the same fill; a terminal that never said has none.
    assert hub.ok(f"/devices/{TERMINAL}")["spool"] == {
        "pending": 40_000,
        "max_messages": MAX_MESSAGES,
        "bytes": 0,
        "max_bytes": MAX_BYTES,
        "used_pct": 80.0,
        "reported_at": opened_at.isoformat(),
    }
    assert hub.ok("/devices/term-hq-f1-aurora")["spool"] is None
    # Fuller, by bytes this time: the same alert, refreshed.
    for _ in range(5):
        terminal.heartbeat(41_000, size=60 * 1024 * 1024)
        minutes(hub, runner, 1)
    (alert,) = spool_alerts(hub)
    assert alert.resolved_at is None and alert.details["bytes_pct"] == 93.8
    # The hub caught up: the spool drains. Back above within the hold-down: still one alert.
    terminal.heartbeat(1_000, size=1024 * 1024)
    minutes(hub, runner, 10)
    assert spool_alerts(hub)[0].clear_since is not None  # found clear, held down
    terminal.heartbeat(45_000)
    minutes(hub, runner, 1)
    (alert,) = spool_alerts(hub)
    assert alert.resolved_at is None and alert.clear_since is None
    # Drained for good: resolved at the first evaluation 15 minutes after it was found clear.
    terminal.heartbeat(0)
    minutes(hub, runner, 1)
    cleared_at = hub.clock.now()
    minutes(hub, runner, 14)
    assert spool_alerts(hub)[0].resolved_at is None
    minutes(hub, runner, 1)
    (alert,) = spool_alerts(hub)
    assert alert.resolved_at == cleared_at + timedelta(minutes=15)
    events = [(e["event"], e["alert"]["rule"]) for e in feed.events]
    assert events == [("opened", "spool_nearly_full"), ("resolved", "spool_nearly_full")]


def test_an_older_heartbeat_replayed_late_does_not_reopen_it(
    hub: Hub, runner: AlertsRunner
) -> None:
    """After an outage the spool sends its old heartbeats first: the newest fill decides."""
    terminal = Terminal(hub)
    old_ts = hub.clock.now()
    hub.clock.advance(600)
    terminal.heartbeat(100)  # the newest: nearly empty
    hub.clock.set_wall(old_ts)
    terminal.heartbeat(48_000)  # composed ten minutes earlier, arriving now
    hub.clock.advance(660)
    runner.tick()
    assert spool_alerts(hub) == []
