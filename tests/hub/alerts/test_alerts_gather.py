"""Every rule through the store: facts read from real rows give one alert per condition."""

from datetime import date, datetime, timedelta

from api_world import Hub
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hub.alerts.config import AlertConfig
from hub.alerts.evaluate import evaluate
from hub.alerts.gather import gather
from hub.alerts.runner import AlertsRunner
from hub.db.alert_models import Alert
from hub.db.models import (
    Device,
    GivenUpRange,
    OccupancyChange,
    SensorEvent,
    SpaceState,
    analytics_space_days,
)

HOUR_US = 3_600_000_000


def change(room: str, at: datetime, occupied: bool, band: int | None = None) -> OccupancyChange:
    return OccupancyChange(
        space_kind="room",
        space_id=room,
        occupied=occupied,
        ts=at,
        device_id=f"term-{room}",
        boot="b1",
        seq=0,
        band=band,
        band_top=5 if band is not None else None,
    )


def sensor(device: str, sensor_id: str, kind: str, at: datetime) -> SensorEvent:
    return SensorEvent(device_id=device, sensor_id=sensor_id, kind=kind, active=True, ts=at)


def build_trouble(session: Session, now: datetime) -> None:
    """One condition of each rule, and near misses that must not count."""
    for device in session.scalars(select(Device)):
        device.online, device.status_changed_at = True, now - timedelta(days=5)
    # Offline for an hour.
    session.get_one(Device, "term-hq-f2-cosmos").online = False
    session.get_one(Device, "term-hq-f2-cosmos").status_changed_at = now - timedelta(hours=1)
    # Borealis (capacity 4): 5 or more people for the last 20 minutes, 2 before.
    session.add_all(
        [
            change("hq-f1-borealis", now - timedelta(minutes=60), True, band=2),
            change("hq-f1-borealis", now - timedelta(minutes=20), True, band=5),
            change("hq-f1-borealis", now - timedelta(minutes=10), True, band=5),
        ]
    )
    session.add(
        SpaceState(
            space_kind="room",
            space_id="hq-f1-borealis",
            occupied=True,
            since=now - timedelta(minutes=60),
            updated_at=now,
            band=5,
            band_top=5,
            estimated_at=now - timedelta(minutes=10),
        )
    )
    # Aurora: in use two hours ago, its door unchanged for 13 hours (motion is recent).
    session.add(change("hq-f1-aurora", now - timedelta(hours=2), True, band=3))
    session.add(sensor("term-hq-f1-aurora", "door", "door_contact", now - timedelta(hours=13)))
    session.add(sensor("term-hq-f1-aurora", "pir", "pir_motion", now - timedelta(minutes=5)))
    session.add(sensor("term-hq-f1-borealis", "pir", "pir_motion", now - timedelta(minutes=5)))
    # East desks: no sensor event for 80 hours; the speech flag does not count.
    session.add(
        sensor("term-hq-f2-east-desks", "desk-1", "desk_presence", now - timedelta(hours=80))
    )
    session.add(sensor("term-hq-f2-east-desks", "microphone", "speech_activity", now))
    # Borealis' spool dropped 10 messages two hours ago (and earlier, outside the window).
    for first, last, reason, hours in (
        (10, 19, "spool_full", 2),
        (30, 39, "not_in_spool", 1),
        (1, 5, "spool_full", 30),
    ):
        session.add(
            GivenUpRange(
                device_id="term-hq-f1-borealis",
                boot="b1",
                first_seq=first,
                last_seq=last,
                reason=reason,
                reported_at=now - timedelta(hours=hours),
            )
        )
    # Aurora's newest heartbeat: its spool 85 % full; Cosmos' 79 %: not yet. A fill that
    # cannot be read (East desks) is left out rather than failing the round.
    for device_id, pending in (("term-hq-f1-aurora", 850), ("term-hq-f2-cosmos", 790)):
        session.get_one(Device, device_id).spool_fill = {
            "pending": pending,
            "max_messages": 1000,
            "bytes": 1024,
            "max_bytes": 1024 * 1024,
            "at": (now - timedelta(minutes=1)).isoformat(),
        }
    session.get_one(Device, "term-hq-f2-east-desks").spool_fill = {"pending": 990}
    # Cosmos: its last five working days 5 % used.
    for day in (
        date(2026, 1, 5),
        date(2026, 1, 2),
        date(2026, 1, 1),
        date(2025, 12, 31),
        date(2025, 12, 30),
    ):
        session.execute(
            insert(analytics_space_days).values(
                space_kind="room",
                space_id="hq-f2-cosmos",
                day=day,
                working_us=9 * HOUR_US,
                elapsed_us=9 * HOUR_US,
                known_us=9 * HOUR_US,
                occupied_us=HOUR_US * 9 // 20,
            )
        )


def test_each_condition_in_the_store_is_found_once(hub: Hub, runner: AlertsRunner) -> None:
    now = hub.clock.now()
    with hub.session() as session:
        build_trouble(session, now)
    with hub.session() as session:
        facts = gather(session, now, AlertConfig())
        findings = evaluate(facts, now, AlertConfig())
    assert facts.rooms["hq-f1-borealis"].over_capacity_since == now - timedelta(minutes=20)
    assert {(f.rule, f.subject_id) for f in findings} == {
        ("over_capacity", "hq-f1-borealis"),
        ("device_offline", "term-hq-f2-cosmos"),
        ("door_stuck", "term-hq-f1-aurora"),
        ("sensors_silent", "term-hq-f2-east-desks"),
        ("spool_full", "term-hq-f1-borealis"),
        ("spool_nearly_full", "term-hq-f1-aurora"),
        ("low_utilization", "hq-f2-cosmos"),
    }
    spool = next(f for f in findings if f.rule == "spool_full")
    assert spool.details["dropped"] == 10
    nearly = next(f for f in findings if f.rule == "spool_nearly_full")
    assert nearly.details["messages_pct"] == 85.0
    assert nearly.details["reported_at"] == (now - timedelta(minutes=1)).isoformat()
    for _ in range(5):
        runner.tick()
        hub.clock.advance(60)
    with hub.session() as session:
        rows = session.scalars(select(Alert)).all()
        assert len(rows) == 7
        assert all(a.resolved_at is None for a in rows)
