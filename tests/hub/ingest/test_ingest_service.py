"""IngestService against a real Mosquitto: every (device, boot, seq) stored exactly once.

Waits poll for the expected state with a generous deadline; nothing asserts on time.
"""

import select as io_select
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ingest_builders import BOOT_1, BOOT_2, Raw, Terminal
from ingest_mqtt import (
    DEADLINE_S,
    CommandListener,
    Factory,
    Publisher,
    RecordingFeed,
    ServiceMaker,
    scalar,
    start_and_wait_subscribed,
    terminals,
    traffic,
    wait_for,
)
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract import topics
from devtools.broker import RunningBroker
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import DeadLetter, Device, DeviceStatusChange, IngestedMessage, SpaceState
from hub.ingest import IngestStats
from hub.ingest import service as ingest_service
from hub.ingest.apply import Received
from hub.ingest.watermark_types import ReplayPolicy

pytestmark = pytest.mark.integration


def test_messages_from_several_devices_are_stored_exactly_once(
    broker: RunningBroker,
    session_factory: Factory,
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
) -> None:
    feed = RecordingFeed()
    service = make_service(session_factory, feed)
    start_and_wait_subscribed(service, publisher, topic_prefix)
    fleet = terminals(topic_prefix)
    statuses = [t.status("online") for t in fleet]
    valid = [raw for t in fleet for raw in traffic(t, 150)]
    duplicates = valid[::10]
    aurora_occ = topics.occupancy_topic(topic_prefix, "hq-f1-aurora", "term-hq-f1-aurora")
    ghost = Terminal("hq-f1-aurora", "term-ghost", prefix=topic_prefix)
    bad = [(aurora_occ, b"{not json")] * 5 + [(aurora_occ, b"\xff\xfe\x00")] * 3
    bad += [ghost.occupancy(True) for _ in range(4)]
    publisher.send(statuses, retain=True)
    # Interleave so bad and duplicate messages share batches with good ones.
    mixed: list[Raw] = []
    for index, raw in enumerate(valid):
        mixed.append(raw)
        if index % 40 == 0 and bad:
            mixed.append(bad.pop())
    mixed += bad + duplicates
    publisher.send(mixed)

    expected_dead = 1 + 12  # the probe and the bad ones
    wanted = IngestStats(
        received=1 + len(statuses) + len(mixed),
        stored=len(statuses) + len(valid),
        duplicates=len(duplicates),
        dead_letters=expected_dead,
    )

    def settled() -> bool:
        s = service.stats()
        return (s.received, s.stored, s.duplicates, s.dead_letters) == (
            wanted.received,
            wanted.stored,
            wanted.duplicates,
            wanted.dead_letters,
        )

    wait_for(settled, f"stats to reach {wanted}")
    stats = service.stats()
    assert stats.connected and stats.queue_depth == 0 and stats.last_commit_at is not None
    assert stats.dead_letters_by_reason == {"malformed_json": 9, "unknown_device": 4}

    with session_factory() as session:
        keys = session.execute(
            select(IngestedMessage.device_id, IngestedMessage.boot, IngestedMessage.seq)
        ).all()
        assert len(keys) == len(set(keys)) == len(valid)
        assert {(d, s) for d, _, s in keys} == {(t.device, n) for t in fleet for n in range(1, 151)}
        malformed = select(DeadLetter).where(DeadLetter.reason == "malformed_json")
        assert sorted(d.payload for d in session.scalars(malformed)) == sorted(
            [b"probe"] + [b"{not json"] * 5 + [b"\xff\xfe\x00"] * 3
        )
        assert all(d.online for d in session.scalars(select(Device)))
        assert session.get(SpaceState, ("room", "hq-f1-aurora")) is not None
    assert service.connected  # still running after all that

    online_events = {e["device_id"] for e in feed.events if e["type"] == "device" and e["online"]}
    assert online_events == {t.device for t in fleet}
    space_events = [e for e in feed.events if e["type"] == "space"]
    assert {e["room_id"] for e in space_events} == {t.room for t in fleet}
    assert {e["space_id"] for e in space_events if e["space_kind"] == "desk"} == {
        f"hq-f2-e0{i}" for i in range(1, 7)
    }

    service.stop()
    service.stop()  # idempotent
    assert not service.connected


def test_retained_status_after_a_hub_restart_changes_nothing(
    broker: RunningBroker,
    session_factory: Factory,
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
) -> None:
    fleet = terminals(topic_prefix)
    publisher.send([t.status("online") for t in fleet], retain=True)
    for _ in range(2):  # the second start gets the same retained statuses again
        service = make_service(session_factory, RecordingFeed())
        start_and_wait_subscribed(service, publisher, topic_prefix)
        wait_for(lambda s=service: s.stats().stored == len(fleet), "the retained statuses")
        service.stop()
    changes = scalar(session_factory, select(func.count()).select_from(DeviceStatusChange))
    assert changes == len(fleet)


def test_last_will_marks_a_killed_terminal_offline_and_a_new_boot_wins(
    broker: RunningBroker,
    session_factory: Factory,
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
) -> None:
    feed = RecordingFeed()
    service = make_service(session_factory, feed)
    start_and_wait_subscribed(service, publisher, topic_prefix)
    old = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix, boot=BOOT_1)
    will_topic, will_payload = old.status("offline", reason="will")
    publisher.send([old.status("online")], retain=True)
    wait_for(lambda: service.stats().stored == 1, "the online status")
    # A real process holding a Last Will, killed without a goodbye. It subscribes to the
    # retained status, so the line it prints proves it is connected (its will is armed).
    holder = subprocess.Popen(
        [
            "mosquitto_sub",
            "-h",
            broker.host,
            "-p",
            str(broker.port),
            "-i",
            "term-hq-f1-aurora",
            "-q",
            "1",
            "-t",
            will_topic,
            "--will-topic",
            will_topic,
            "--will-payload",
            will_payload.decode(),
            "--will-qos",
            "1",
            "--will-retain",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert holder.stdout is not None
        readable, _, _ = io_select.select([holder.stdout], [], [], DEADLINE_S)
        assert readable and holder.stdout.readline(), "the will holder never connected"
    finally:
        holder.kill()
        holder.wait()
    wait_for(lambda: not _device(session_factory).online, "the Last Will")
    changes = _changes(session_factory)
    assert [(c.online, c.reason) for c in changes] == [(True, "start"), (False, "will")]

    new = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix, boot=BOOT_2)
    publisher.send([new.status("online"), old.status("offline", reason="will")])
    wait_for(lambda: service.stats().stored + service.stats().duplicates == 4, "both statuses")
    assert _device(session_factory).online and _device(session_factory).boot == BOOT_2
    assert [e["online"] for e in feed.events if e["type"] == "device"] == [True, False, True]
    service.stop()


def _device(factory: Factory) -> Device:
    with factory() as session:
        row = session.get(Device, "term-hq-f1-aurora")
        assert row is not None
        return row


def _changes(factory: Factory) -> list[DeviceStatusChange]:
    with factory() as session:
        return list(session.scalars(select(DeviceStatusChange).order_by(DeviceStatusChange.id)))


@pytest.fixture
def impatient_factory(db_url: str, db_backend: str) -> Iterator[Factory]:
    """Sessions that give up on a locked database after 0.1 s instead of 30 s (or never)."""
    if db_backend == "postgresql":
        # lock_timeout: a statement waiting for a lock fails with LockNotAvailable, an
        # OperationalError like SQLite's "database is locked".
        engine = create_engine(db_url, connect_args={"options": "-c lock_timeout=100"})
    else:
        engine = make_engine(db_url)

        @event.listens_for(engine, "connect")
        def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA busy_timeout = 100")

    yield make_session_factory(engine)
    engine.dispose()


@contextmanager
def database_locked(db_url: str, db_backend: str) -> Iterator[None]:
    """Hold the database (SQLite) or the tables ingest writes (PostgreSQL) exclusively,
    as a long migration or a backup tool might."""
    if db_backend == "sqlite":
        locker = sqlite3.connect(Path(db_url.removeprefix("sqlite:///")), check_same_thread=False)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.rollback()
            locker.close()
        return
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            connection.execute(
                text(
                    "LOCK TABLE devices, ingested_messages, ingest_streams IN ACCESS EXCLUSIVE MODE"
                )
            )
            try:
                yield
            finally:
                connection.rollback()
    finally:
        engine.dispose()


def test_a_locked_database_delays_but_loses_nothing_even_across_stop(
    impatient_factory: Factory,
    db_url: str,
    db_backend: str,
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = make_service(impatient_factory, RecordingFeed(), batch_size=20)
    start_and_wait_subscribed(service, publisher, topic_prefix)
    terminal = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix)
    raws = traffic(terminal, 120)
    with database_locked(db_url, db_backend):
        publisher.send(raws)
        wait_for(lambda: service.stats().received == 1 + len(raws), "every message received")
        assert service.stats().stored == 0  # nothing can be written while the lock is held
        wait_for(lambda: "database unavailable" in caplog.text, "the retry to be logged")
        # stop() must wait for the database rather than drop what it has received.
        stopper = threading.Thread(target=service.stop)
        stopper.start()
    stopper.join(DEADLINE_S)
    assert not stopper.is_alive()
    assert service.stats().stored == len(raws)
    assert scalar(impatient_factory, select(func.count()).select_from(IngestedMessage)) == len(raws)


def test_a_rejected_batch_is_split_and_one_poison_message_loses_nothing_else(
    session_factory: Factory,
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix)
    raws = [terminal.sensor("door", n % 2 == 0) for n in range(30)]
    poison = raws[17][1]
    real_apply = ingest_service.apply_batch

    def flaky_apply(session: Session, items: list[Received], clock: Any, *rest: Any) -> Any:
        if len(items) > 1:  # as when another worker committed the same row first
            raise IntegrityError("INSERT ...", {}, Exception("simulated unique violation"))
        if items[0].payload == poison:  # a message that trips a bug in the hub
            raise RuntimeError("simulated bug")
        return real_apply(session, items, clock, *rest)

    monkeypatch.setattr(ingest_service, "apply_batch", flaky_apply)
    service = make_service(session_factory, RecordingFeed())
    start_and_wait_subscribed(service, publisher, topic_prefix)
    publisher.send(raws)
    wait_for(lambda: service.stats().stored == len(raws) - 1, "all but the poison message")
    wait_for(lambda: service.stats().dead_letters_by_reason.get("hub_error") == 1, "the poison")
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(IngestedMessage)) == len(raws) - 1
        kept = session.scalars(select(DeadLetter).where(DeadLetter.reason == "hub_error")).one()
        assert kept.payload == poison and "simulated bug" in kept.detail
    assert service.connected


def test_the_hub_acknowledges_its_watermark_and_asks_for_a_hole(
    session_factory: Factory,
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
    listener: CommandListener,
) -> None:
    policy = ReplayPolicy(gap_grace=timedelta(seconds=0.5), replay_interval=timedelta(seconds=60))
    service = make_service(session_factory, RecordingFeed(), replay_policy=policy)
    start_and_wait_subscribed(service, publisher, topic_prefix)
    terminal = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix)
    sent = traffic(terminal, 12)
    publisher.send(sent[:5] + sent[7:])  # seq 6 and 7 lost on the way
    device = "term-hq-f1-aurora"
    wait_for(lambda: listener.latest_ack(device, BOOT_1) == 5, "an ack through seq 5")
    # Nothing more arrives: the hub's idle sweep notices the hole is still open.
    wait_for(lambda: listener.replays(device), "a replay request")
    (replay,) = listener.replays(device)
    assert replay.boot == BOOT_1 and [(r.first, r.last) for r in replay.ranges] == [(6, 7)]
    publisher.send(sent[5:7])  # what the terminal's spool would re-send
    wait_for(lambda: listener.latest_ack(device, BOOT_1) == 12, "an ack through seq 12")


def test_a_replay_request_fits_the_receive_window_by_default(
    session_factory: Factory,
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
    listener: CommandListener,
) -> None:
    """A replay arrives as a burst: by default it asks for 1/8 of the window (here 10)."""
    service = make_service(session_factory, RecordingFeed(), receive_maximum=80)
    start_and_wait_subscribed(service, publisher, topic_prefix)
    terminal = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix)
    sent = traffic(terminal, 40)
    publisher.send(sent[:2] + sent[-1:])  # seq 3..39 lost on the way
    device = "term-hq-f1-aurora"
    wait_for(lambda: listener.replays(device), "a replay request")
    replay = listener.replays(device)[0]
    assert [(r.first, r.last) for r in replay.ranges] == [(3, 12)]


def test_nothing_is_acknowledged_to_the_broker_before_it_is_committed(
    impatient_factory: Factory,
    db_url: str,
    db_backend: str,
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
) -> None:
    """Backpressure: with the database locked, the broker stops at the receive maximum."""
    window = 10
    service = make_service(impatient_factory, RecordingFeed(), batch_size=5, receive_maximum=window)
    start_and_wait_subscribed(service, publisher, topic_prefix)
    terminal = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix)
    raws = traffic(terminal, 60)
    with database_locked(db_url, db_backend):
        publisher.send(raws)  # the broker has them all (its PUBACKs to the publisher)
        wait_for(lambda: service.stats().received == 1 + window, "a full receive window")
        time.sleep(1.0)  # give the broker every chance to overrun the window (it must not)
        assert service.stats().received == 1 + window
        assert service.stats().stored == 0
    wait_for(lambda: service.stats().stored == len(raws), "everything stored once unlocked")
    assert service.stats().received == 1 + len(raws)
