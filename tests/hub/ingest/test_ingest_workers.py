"""Several hub workers sharing ingest (MQTT 5 shared subscription) against one PostgreSQL.

Each worker is an IngestService with its own engine (as separate processes have), its
own live feed and its own client id, in one share group on a real Mosquitto. Judged by the
ledger: every (device, boot, seq) stored exactly once, whichever worker got it.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from ingest_builders import T0, Terminal
from ingest_mqtt import (
    Factory,
    Publisher,
    RecordingFeed,
    ServiceMaker,
    start_and_wait_subscribed,
    terminals,
    traffic,
    wait_for,
)
from sqlalchemy import func, select

from common.clock import SystemClock
from common.mqtt import BrokerAddress
from devtools.broker import RunningBroker
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import (
    Device,
    DeviceStatusChange,
    IngestedMessage,
    IngestStream,
    OccupancyChange,
    SpaceState,
)
from hub.ingest import IngestService
from hub.live import LiveBus, LiveFeed

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

GROUP = "test-hub"


@pytest.fixture(params=["postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Scale-out needs PostgreSQL: these tests run on it only (SQLite has one writer)."""
    backend: str = request.param
    return backend


@pytest.fixture
def worker_factories(db_url: str) -> Iterator[list[Factory]]:
    """Two session factories on two engines: each worker has its own connection pool."""
    engines = [make_engine(db_url) for _ in range(2)]
    yield [make_session_factory(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


def start_workers(
    make_service: ServiceMaker,
    factories: list[Factory],
    publisher: Publisher,
    prefix: str,
    **options: Any,
) -> tuple[list[IngestService], list[RecordingFeed]]:
    feeds = [RecordingFeed() for _ in factories]
    services = [
        make_service(factory, feed, share_group=GROUP, **options)
        for factory, feed in zip(factories, feeds, strict=True)
    ]
    for service in services:
        # Mosquitto 2.0.11 sends retained messages to shared subscriptions too (the MQTT 5
        # rules say it must not), so each worker gets the retained probe.
        start_and_wait_subscribed(service, publisher, prefix)
    return services, feeds


def ledger_keys(factory: Factory) -> list[tuple[str, str, int]]:
    with factory() as session:
        rows = session.execute(
            select(IngestedMessage.device_id, IngestedMessage.boot, IngestedMessage.seq)
        )
        return [(d, b, s) for d, b, s in rows]


def count(factory: Factory, model: Any) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_two_workers_split_the_messages_and_store_each_exactly_once(
    worker_factories: list[Factory],
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
) -> None:
    services, feeds = start_workers(make_service, worker_factories, publisher, topic_prefix)
    stored_before = [s.stats().stored for s in services]
    fleet = terminals(topic_prefix)
    publisher.send([t.status("online") for t in fleet], retain=True)
    valid = [raw for t in fleet for raw in traffic(t, 150)]
    publisher.send(valid + valid[::7])  # and some duplicates, as re-sends would be

    factory = worker_factories[0]
    wait_for(lambda: len(ledger_keys(factory)) == len(valid), "every message in the ledger")
    wait_for(lambda: count(factory, DeviceStatusChange) == len(fleet), "every status applied")
    wait_for(
        lambda: (
            all(s.stats().queue_depth == 0 for s in services)
            and sum(s.stats().duplicates for s in services) == len(valid[::7])
        ),
        "the duplicates counted",
    )
    keys = ledger_keys(factory)
    assert len(keys) == len(set(keys))
    assert {(d, s) for d, _, s in keys} == {(t.device, n) for t in fleet for n in range(1, 151)}
    # The share group really splits: each worker stored a good part of the traffic.
    sequenced = [
        s.stats().stored - before - len(fleet)
        for s, before in zip(services, stored_before, strict=True)
    ]
    assert sum(sequenced) == len(valid)
    assert all(n > len(valid) // 4 for n in sequenced), sequenced
    # Every worker applied every status (not shared), yet each transition is recorded once.
    with factory() as session:
        assert all(d.online for d in session.scalars(select(Device)))

    def watermarks() -> set[tuple[str, int]]:
        with factory() as session:
            return {(s.device_id, s.through_seq) for s in session.scalars(select(IngestStream))}

    # A worker settles a stream split between workers when its next ack is due (within 0.5 s).
    wait_for(lambda: watermarks() == {(t.device, 150) for t in fleet}, "every watermark at 150")

    def live(feed: RecordingFeed) -> Counter[tuple[Any, ...]]:
        return Counter(
            (e["type"], e.get("space_id") or e.get("device_id"), e.get("occupied", e.get("online")))
            for e in feed.events
        )

    # Each worker's feed shows every change, whichever worker ingested it, exactly once.
    wait_for(lambda: live(feeds[0]) == live(feeds[1]), "both feeds to show the same events")
    online = [e["device_id"] for e in feeds[0].events if e["type"] == "device"]
    assert sorted(online) == sorted(t.device for t in fleet)


def test_status_goes_to_every_worker_and_everything_else_to_one(
    worker_factories: list[Factory],
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
) -> None:
    """Status is subscribed directly (not shared) by every worker: a retained status reaches a
    worker that starts later, whatever the broker does with retained messages and shares."""
    aurora = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix)
    publisher.send([aurora.status("online")], retain=True)
    services, _ = start_workers(make_service, worker_factories, publisher, topic_prefix)
    wait_for(lambda: all(s.stats().stored == 1 for s in services), "the retained status, twice")
    received = [s.stats().received for s in services]
    publisher.send([aurora.status("offline", reason="shutdown")])  # live, not retained
    publisher.send([aurora.occupancy(True)])
    wait_for(lambda: count(worker_factories[0], IngestedMessage) == 1, "the occupancy change")
    wait_for(
        lambda: sum(s.stats().received for s in services) == sum(received) + 3,
        "the status at both workers, the occupancy at one",
    )
    gained = [s.stats().received - before for s, before in zip(services, received, strict=True)]
    assert sorted(gained) == [1, 2]
    with worker_factories[0]() as session:
        changes = session.scalars(select(DeviceStatusChange.online)).all()
    assert changes == [True, False]  # two workers applied each status; one row per transition


def test_interleaved_messages_of_one_room_end_in_device_time_order(
    worker_factories: list[Factory],
    topic_prefix: str,
    publisher: Publisher,
    make_service: ServiceMaker,
) -> None:
    """Round robin hands consecutive changes of one room to alternate workers, whose commits
    race; live state and history still follow device time (docs/scaling.md)."""
    services, feeds = start_workers(
        make_service, worker_factories, publisher, topic_prefix, batch_size=3
    )
    aurora = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix)
    # Device time mostly rising, with a few late arrivals (a spool re-send is like that).
    offsets = list(range(60))
    for i in range(5, 60, 11):
        offsets[i], offsets[i - 3] = offsets[i - 3], offsets[i]
    sent = [(T0 + timedelta(seconds=10 * k), k % 3 != 0) for k in offsets]
    stored_before = [s.stats().stored for s in services]
    publisher.send([aurora.occupancy(occupied, ts=ts) for ts, occupied in sent])

    factory = worker_factories[0]
    wait_for(lambda: count(factory, OccupancyChange) == len(sent), "every change stored")
    assert all(s.stats().stored > before for s, before in zip(services, stored_before, strict=True))
    newest_ts, newest_occupied = max(sent)
    with factory() as session:
        history = session.execute(
            select(OccupancyChange.ts, OccupancyChange.occupied)
            .where(OccupancyChange.space_id == "hq-f1-aurora")
            .order_by(OccupancyChange.ts, OccupancyChange.seq)
        ).all()
        state = session.get(SpaceState, ("room", "hq-f1-aurora"))
    assert [(ts, occupied) for ts, occupied in history] == sorted(sent)
    assert state is not None and state.occupied is newest_occupied
    assert state.last_change_ts == newest_ts
    # since: where the newest run of equal values began in device time, even when a change
    # of that run was committed (by the other worker) after a later one.
    run_start = newest_ts
    for ts, occupied in sorted(sent, reverse=True):
        if occupied is not newest_occupied:
            break
        run_start = ts
    assert state.since == run_start

    def watermark() -> int | None:
        with factory() as session:
            stream = session.get(IngestStream, ("term-hq-f1-aurora", aurora.boot))
            return stream.through_seq if stream else None

    # Settled when the stream's next ack is due: within 0.5 s.
    wait_for(lambda: watermark() == len(sent), "the watermark to cover every change")
    # The live feeds agree with the stored state: the last space event each one saw.
    for feed in feeds:
        wait_for(
            lambda f=feed: (
                [e for e in f.events if e["type"] == "space"][-1]["occupied"] is newest_occupied
            ),
            "the feed's last event to match the live state",
        )


def test_without_mqtt_5_the_group_is_not_used_and_a_warning_says_run_one_worker(
    broker: RunningBroker,
    session_factory: Factory,
    topic_prefix: str,
    publisher: Publisher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = IngestService(
        session_factory=session_factory,
        broker=BrokerAddress(broker.host, broker.port, protocol="3.1.1"),
        prefix=topic_prefix,
        client_id=f"hub-{topic_prefix}-311",
        live=LiveFeed(),
        clock=SystemClock(),
        share_group=GROUP,
        batch_delay_s=0.02,
    )
    try:
        start_and_wait_subscribed(service, publisher, topic_prefix)
        aurora = Terminal("hq-f1-aurora", "term-hq-f1-aurora", prefix=topic_prefix)
        publisher.send([aurora.occupancy(True)])
        wait_for(lambda: count(session_factory, IngestedMessage) == 1, "the message stored")
    finally:
        service.stop()
    assert "run only one worker" in caplog.text


def test_the_live_bus_passes_other_workers_events_and_ignores_its_own_and_junk() -> None:
    feed = RecordingFeed()
    bus = LiveBus("quorum", "worker-a", feed)
    assert bus.topic == "quorum/v1/hub/live"
    event = {"type": "space", "space_id": "hq-f1-aurora", "room_id": "hq-f1-aurora"}
    other = LiveBus("quorum", "worker-b", LiveFeed())
    assert bus.receive(other.encode([event, event])) == 2
    assert bus.receive(bus.encode([event])) == 0  # its own: already in its feed
    for junk in (b"", b"{", b"[]", b'{"v": 2, "origin": "x", "events": []}', b'{"v": 1}'):
        assert bus.receive(junk) == 0
    assert feed.events == [event, event]
