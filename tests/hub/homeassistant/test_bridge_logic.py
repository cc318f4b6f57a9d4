"""The bridge's logic without a broker: configs, what a sync sends, removals, leadership.

A fake outbox and link record what would go to the broker; the database is real (SQLite).
"""

import threading
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import Device, SpaceState
from hub.homeassistant.discovery import Bridge, room_entities
from hub.homeassistant.link import LinkHandlers
from hub.homeassistant.rooms import RoomInfo
from hub.homeassistant.service import BRIDGE_LOCK_KEY, HomeAssistantService
from hub.homeassistant.signals import Signals
from hub.homeassistant.sync import BridgeSync
from hub.homeassistant.topics import discovery_topic, node_id
from hub.live import LiveFeed
from hub.timeseries.service import export_lock

NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
BRIDGE = Bridge(prefix="quorum", discovery_prefix="homeassistant", node="quorum", sw_version="1")
AVAILABILITY = "quorum/v1/hub/ha/availability"
AURORA_STATE = "quorum/v1/hub/ha/rooms/hq-f1-aurora/state"
CONFIGS_OF_EXAMPLE_ORG = 4 * 3 + 4  # 4 rooms x (occupancy, people, booking) + 4 terminals


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.connected = True

    def publish(self, topic: str, payload: bytes, *, retain: bool) -> bool:
        assert retain, "everything the bridge publishes is retained"
        if not self.connected:
            return False
        self.sent.append((topic, payload))
        return True

    def topics(self) -> list[str]:
        return [topic for topic, _ in self.sent]

    def take(self) -> list[tuple[str, bytes]]:
        sent, self.sent = self.sent, []
        return sent


def configs(sent: list[tuple[str, bytes]]) -> list[str]:
    return [topic for topic, payload in sent if topic.endswith("/config") and payload]


def test_node_ids_and_discovery_topics_follow_home_assistants_rules() -> None:
    assert node_id("quorum") == "quorum"
    assert node_id("acme/eu") == "acme_eu"
    assert node_id("a b+c#") == "a_b_c_"
    topic = discovery_topic("homeassistant", "sensor", "acme_eu", "hq-f1-aurora_people")
    assert topic == "homeassistant/sensor/acme_eu/hq-f1-aurora_people/config"
    with pytest.raises(ValueError, match="object id"):
        discovery_topic("homeassistant", "sensor", "acme_eu", "room/people")
    with pytest.raises(ValueError, match="component"):
        discovery_topic("homeassistant", "light", "acme_eu", "x")


def test_a_room_has_one_device_and_unique_entities() -> None:
    room = RoomInfo("hq-f2-east", "East wing", "desk_area", 12, ("term-a", "term-b"))
    entities = room_entities(BRIDGE, room)
    assert [e.object_id for e in entities] == [
        "hq-f2-east_occupancy",
        "hq-f2-east_people",
        "hq-f2-east_booking",
        "hq-f2-east_term-a_connectivity",
        "hq-f2-east_term-b_connectivity",
    ]
    assert len({e.config["unique_id"] for e in entities}) == len(entities)
    assert {orjson.dumps(e.config["device"]) for e in entities} == {
        orjson.dumps(
            {
                "identifiers": ["quorum_room_hq-f2-east"],
                "name": "East wing",
                "manufacturer": "Quorum",
                "model": "Desk area",
                "sw_version": "1",
                "suggested_area": "East wing",
            }
        )
    }
    term_b = entities[-1].config
    assert term_b["value_template"] == "{{ value_json.terminals['term-b'] }}"
    # A terminal's connectivity needs only the hub: it must be able to say "disconnected".
    assert [a["topic"] for a in term_b["availability"]] == [AVAILABILITY]


def test_an_update_sends_what_changed_and_publish_all_sends_everything_again(
    factory: sessionmaker[Session],
) -> None:
    sync, out = BridgeSync(BRIDGE, factory, FakeClock(NOW)), Outbox()
    sync.publish_all(out)
    first = out.take()
    assert len(configs(first)) == CONFIGS_OF_EXAMPLE_ORG
    assert [t for t, _ in first if t.endswith("/state")] == [
        f"quorum/v1/hub/ha/rooms/{room}/state"
        for room in ("hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos", "hq-f2-east")
    ]
    assert first[-1] == (AVAILABILITY, b"online")

    assert sync.update(out, ["hq-f1-aurora"]).states == 0  # nothing changed
    assert sync.update(out, everything=True).configs == 0
    assert out.take() == []

    with factory() as session, session.begin():
        session.add(
            SpaceState(
                space_kind="room", space_id="hq-f1-aurora", occupied=True, since=NOW, updated_at=NOW
            )
        )
    report = sync.update(out, ["hq-f1-aurora", "hq-f1-borealis"])
    assert report.states == 1
    ((topic, payload),) = out.take()
    assert topic == AURORA_STATE and orjson.loads(payload)["occupancy"] == "ON"

    sync.publish_all(out)  # a reconnect or Home Assistant's birth: everything, changed or not
    assert out.take() == [(t, payload if t == AURORA_STATE else p) for t, p in first]


def test_entities_of_rooms_and_terminals_the_hub_no_longer_has_are_removed(
    factory: sessionmaker[Session],
) -> None:
    sync, out = BridgeSync(BRIDGE, factory, FakeClock(NOW)), Outbox()
    gone_room = "homeassistant/binary_sensor/quorum/old-room_occupancy/config"
    gone_state = "quorum/v1/hub/ha/rooms/old-room/state"
    ours = "homeassistant/sensor/quorum/hq-f1-aurora_people/config"
    for topic in (gone_room, gone_state, ours):
        sync.saw_retained(topic, b"{}")
    assert sync.remove_stale(out) == 0, "nothing is stale before the organisation is read"
    report = sync.publish_all(out)
    assert report.removed == 2
    assert [(t, p) for t, p in out.take() if not p] == [(gone_room, b""), (gone_state, b"")]

    aurora_terminal = (
        "homeassistant/binary_sensor/quorum/hq-f1-aurora_term-hq-f1-aurora_connectivity/config"
    )
    sync.saw_retained(aurora_terminal, b"{}")
    with factory() as session, session.begin():
        session.execute(delete(Device).where(Device.id == "term-hq-f1-aurora"))
    report = sync.update(out, everything=True)
    assert report.removed == 1
    assert (aurora_terminal, b"") in out.take()


class FakeLock:
    def __init__(self) -> None:
        self.free = True
        self.released = False

    def acquire(self) -> bool:
        return self.free

    def release(self) -> None:
        self.released = True


class FakeLink(Outbox):
    def __init__(self, handlers: LinkHandlers) -> None:
        super().__init__()
        self.handlers = handlers
        self.connected = False
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True


def test_only_the_worker_holding_the_lock_connects_and_it_publishes_on_every_connect(
    factory: sessionmaker[Session],
) -> None:
    links: list[FakeLink] = []
    lock = FakeLock()
    lock.free = False

    def make_link(handlers: LinkHandlers) -> FakeLink:
        links.append(FakeLink(handlers))
        return links[-1]

    service = HomeAssistantService(
        sync=BridgeSync(BRIDGE, factory, FakeClock(NOW)),
        make_link=make_link,
        lock=lock,
        clock=FakeClock(NOW),
        refresh_s=0.0,  # check the lock every round
    )
    service.run_round()
    assert links == [] and not service.status().leader  # another worker publishes

    lock.free = True
    service.run_round()
    (link,) = links
    assert link.started and service.status().leader
    assert link.sent == []  # not connected yet

    link.connected = True
    link.handlers.connected()
    service.run_round()
    assert len(configs(link.take())) == CONFIGS_OF_EXAMPLE_ORG
    link.handlers.ha_online()
    service.run_round()
    assert len(configs(link.take())) == CONFIGS_OF_EXAMPLE_ORG
    link.handlers.availability_lost()  # an earlier bridge's Last Will
    service.run_round()
    assert (AVAILABILITY, b"online") in link.take()
    assert service.status().full_syncs == {"connect": 1, "ha_online": 1}

    lock.free = False  # lost (the lock's database connection died)
    service.run_round()
    assert link.stopped and not service.status().leader
    service.stop()
    assert lock.released


def test_live_events_name_the_rooms_to_publish_again() -> None:
    signals = Signals()
    signals.live_event({"type": "space", "space_kind": "desk", "space_id": "d", "room_id": "r0"})
    signals.live_event({"type": "alert", "room_id": "r0"})
    assert not signals.take() and not signals.wake.is_set()
    signals.live_event({"type": "space", "space_kind": "room", "space_id": "r1", "room_id": "r1"})
    signals.live_event({"type": "device", "device_id": "t", "room_id": "r2", "online": True})
    assert signals.wake.is_set()
    work = signals.take()
    assert work.rooms == {"r1", "r2"} and not work.all_states
    signals.live_event({"type": "booking", "kind": "released", "booking_id": "b"})
    assert signals.take().all_states
    assert not signals.take()


def test_live_events_reach_an_observer_in_the_publishing_thread() -> None:
    feed, seen = LiveFeed(), []
    feed.add_observer(lambda event: seen.append((threading.get_ident(), event)))
    feed.publish({"type": "space"})
    assert seen == [(threading.get_ident(), {"type": "space"})]


@pytest.mark.postgres
def test_with_several_workers_on_postgresql_one_bridge_publishes_and_another_takes_over(
    fresh_database: Any,
) -> None:
    url = fresh_database("postgresql", "org")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    links: dict[str, list[FakeLink]] = {"a": [], "b": []}

    def worker(name: str) -> HomeAssistantService:
        def make_link(handlers: LinkHandlers) -> FakeLink:
            links[name].append(FakeLink(handlers))
            return links[name][-1]

        return HomeAssistantService(
            sync=BridgeSync(BRIDGE, factory, FakeClock(NOW)),
            make_link=make_link,
            lock=export_lock(url, BRIDGE_LOCK_KEY, "Home Assistant bridge"),
            clock=FakeClock(NOW),
            refresh_s=0.0,
        )

    a, b = worker("a"), worker("b")
    try:
        a.run_round()
        b.run_round()
        assert (a.status().leader, b.status().leader) == (True, False)
        assert (len(links["a"]), len(links["b"])) == (1, 0)
        a.stop()  # releases the lock (a killed worker's session ends the same way)
        assert links["a"][0].stopped
        b.run_round()
        assert b.status().leader and len(links["b"]) == 1
    finally:
        a.stop()
        b.stop()
        engine.dispose()


def test_a_round_the_database_fails_is_done_again(factory: sessionmaker[Session]) -> None:
    failures = [OperationalError("SELECT", {}, Exception("database is away"))]

    def flaky() -> Session:
        if failures:
            raise failures.pop()
        return factory()

    links: list[FakeLink] = []

    def make_link(handlers: LinkHandlers) -> FakeLink:
        links.append(FakeLink(handlers))
        return links[-1]

    service = HomeAssistantService(
        sync=BridgeSync(BRIDGE, flaky, FakeClock(NOW)),  # type: ignore[arg-type]
        make_link=make_link,
        lock=FakeLock(),
        clock=FakeClock(NOW),
    )
    service.run_round()
    (link,) = links
    link.connected = True
    link.handlers.connected()
    with pytest.raises(OperationalError):
        service.run_round()
    assert link.sent == []
    service.run_round()  # the reconnect's full sync was kept for this round
    assert len(configs(link.take())) == CONFIGS_OF_EXAMPLE_ORG
    assert service.status().full_syncs == {"connect": 1}
