"""Fault injection with real processes on loopback: nothing a terminal produced is lost or doubled.

Each case runs Mosquitto, the hub (``python -m hub serve``, SQLite file) and the four example
terminals as load terminals (real spool and delivery path, see devtools/loadterminal.py),
breaks something while messages flow, and judges the hub by the ledger (faultkit.py):
every ``(device, boot, seq)`` produced is stored exactly once and in order per device.
Outages are shortened to seconds; bench/soak.py runs the long versions.
"""

import json
import os
import signal
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from faultkit import assert_ledger_exact, load_terminals, wait_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from devtools import ledger
from devtools.broker import RunningBroker, mosquitto_broker
from devtools.ledger import judge, stored
from devtools.loadterminal import LoadTerminalProcess
from devtools.processes import HubProcess, start_hub

pytestmark = pytest.mark.integration

RATE = 40.0  # messages per second per terminal (four terminals)
COUNT = 300  # per terminal: about 7.5 s of traffic


@pytest.fixture
def hub(broker: RunningBroker, tmp_path: Path, topic_prefix: str) -> Iterator[HubProcess]:
    process = start_hub(broker, tmp_path / "hub", prefix=topic_prefix)
    yield process
    process.child.terminate()


def load(
    broker: RunningBroker,
    tmp_path: Path,
    prefix: str,
    rate: float = RATE,
    count: int = COUNT,
    extra: list[str] | None = None,
) -> LoadTerminalProcess:
    return load_terminals(broker, prefix, tmp_path, rate=rate, count=count, extra=extra)


def stored_total(hub: HubProcess) -> int:
    return ledger.stored_total(hub.database_path)


def received_by(hub: HubProcess) -> int:
    """Messages this worker's own MQTT consumer received (its API's service counters)."""
    request = urllib.request.Request(
        f"{hub.url}/api/v1/ingest/stats", headers={"Authorization": f"Bearer {hub.admin_token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(json.load(response)["service"]["received"])


def settle_and_judge(terminals: LoadTerminalProcess, hub: HubProcess, min_messages: int) -> None:
    """Wait until every produced message is in the hub (the spools re-send), then judge."""
    wait_for(lambda: terminals.done, "the terminals to produce everything")
    wait_for(
        lambda: judge(terminals.spool_dir, hub.database_path).lost == 0,
        "every produced message to reach the hub",
    )
    terminals.stop()
    assert_ledger_exact(terminals.spool_dir, hub.database_path, min_messages=min_messages)


def test_broker_killed_and_restarted_under_load(
    broker: RunningBroker, hub: HubProcess, tmp_path: Path, topic_prefix: str
) -> None:
    terminals = load(broker, tmp_path, topic_prefix)
    try:
        wait_for(lambda: stored_total(hub) > 200, "traffic to flow")
        broker.kill()  # queues and in-flight messages are gone with it
        time.sleep(1.0)
        broker.restart()
        settle_and_judge(terminals, hub, min_messages=4 * COUNT)
    finally:
        terminals.stop()


def test_broker_down_while_terminals_keep_producing(
    broker: RunningBroker, hub: HubProcess, tmp_path: Path, topic_prefix: str
) -> None:
    terminals = load(broker, tmp_path, topic_prefix)
    try:
        wait_for(lambda: stored_total(hub) > 100, "traffic to flow")
        broker.stop()
        time.sleep(4.0)  # the terminals go on producing into their spools
        broker.restart()
        settle_and_judge(terminals, hub, min_messages=4 * COUNT)
    finally:
        terminals.stop()


def test_terminal_killed_mid_burst_restarts_from_its_spool(
    broker: RunningBroker, hub: HubProcess, tmp_path: Path, topic_prefix: str
) -> None:
    first = load(broker, tmp_path, topic_prefix, rate=200.0, count=2000)
    wait_for(lambda: stored_total(hub) > 500, "the burst to flow")
    first.kill()  # mid-burst: some messages are spooled but never published
    second = load(broker, tmp_path, topic_prefix)
    try:
        settle_and_judge(second, hub, min_messages=500 + 4 * COUNT)
        boots = {stream[1] for stream in stored(hub.database_path)}
        assert len(boots) >= 8  # both processes' boots of all four terminals are in the hub
    finally:
        second.stop()


def test_hub_killed_under_load_and_restarted(
    broker: RunningBroker, tmp_path: Path, topic_prefix: str
) -> None:
    hub = start_hub(broker, tmp_path / "hub", prefix=topic_prefix)
    terminals = load(broker, tmp_path, topic_prefix)
    try:
        wait_for(lambda: stored_total(hub) > 200, "traffic to flow")
        hub.child.kill()  # whatever it received but had not committed was never acked
        time.sleep(1.0)
        hub = start_hub(broker, tmp_path / "hub", prefix=topic_prefix)
        settle_and_judge(terminals, hub, min_messages=4 * COUNT)
    finally:
        terminals.stop()
        hub.child.terminate()


def test_one_of_two_hub_workers_killed_under_load(
    broker: RunningBroker, tmp_path: Path, topic_prefix: str
) -> None:
    """Two workers share ingest (MQTT 5 shared subscription) on one database; one dies."""
    first = start_hub(broker, tmp_path / "worker1", prefix=topic_prefix)
    same_database = {"QUORUM_DATABASE_URL": f"sqlite:///{first.database_path}"}
    second = start_hub(broker, tmp_path / "worker2", prefix=topic_prefix, extra_env=same_database)
    terminals = load(broker, tmp_path, topic_prefix)
    try:
        wait_for(lambda: received_by(second) > 100, "the second worker to get its share")
        second.child.kill()  # what it held uncommitted was never acknowledged
        settle_and_judge(terminals, first, min_messages=4 * COUNT)
        assert first.child.alive()
    finally:
        terminals.stop()
        second.child.kill()
        first.child.terminate()


def test_a_duplicate_storm_is_stored_once(
    broker: RunningBroker, hub: HubProcess, tmp_path: Path, topic_prefix: str
) -> None:
    terminals = load(broker, tmp_path, topic_prefix, extra=["--duplicate"])
    try:
        settle_and_judge(terminals, hub, min_messages=4 * COUNT)
    finally:
        terminals.stop()


def test_a_broker_queue_overflow_is_noticed_and_replayed(tmp_path: Path, topic_prefix: str) -> None:
    """Mosquitto drops silently for a full subscriber queue; the hub must notice the gaps."""
    broker = mosquitto_broker(tmp_path / "small-broker", extra_config="max_queued_messages 20\n")
    broker.start()
    # A small receive window, so a stalled hub makes the broker queue and then drop.
    env = {"QUORUM_INGEST_RECEIVE_MAXIMUM": "200"}
    hub = start_hub(broker, tmp_path / "hub", prefix=topic_prefix, extra_env=env)
    # Terminals that would wait a minute before re-sending on their own: the hub must ask.
    terminals = load(broker, tmp_path, topic_prefix, extra=["--resend-after", "60"])
    try:
        wait_for(lambda: stored_total(hub) > 100, "traffic to flow")
        os.kill(hub.child.process.pid, signal.SIGSTOP)  # a stalled hub: its queue overflows
        time.sleep(3.0)
        os.kill(hub.child.process.pid, signal.SIGCONT)
        settle_and_judge(terminals, hub, min_messages=4 * COUNT)
        with sqlite3.connect(hub.database_path) as db:
            (replays,) = db.execute("SELECT sum(replays_requested) FROM ingest_streams").fetchone()
        assert replays, "the broker dropped messages but the hub never asked for a replay"
    finally:
        terminals.stop()
        hub.child.terminate()
        broker.stop()


def test_a_database_unavailable_for_a_while_loses_nothing(
    broker: RunningBroker, hub: HubProcess, tmp_path: Path, topic_prefix: str
) -> None:
    terminals = load(broker, tmp_path, topic_prefix)
    try:
        wait_for(lambda: stored_total(hub) > 100, "traffic to flow")
        locker = sqlite3.connect(hub.database_path, timeout=30)
        locker.execute("BEGIN EXCLUSIVE")  # as a backup tool or a long migration would
        time.sleep(4.0)
        locker.rollback()
        locker.close()
        settle_and_judge(terminals, hub, min_messages=4 * COUNT)
    finally:
        terminals.stop()


# Garbage of every kind, sent through the real broker between the terminals' messages.
_GARBAGE = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=300).map(str.encode),
    st.just(b"\xff\xfe\xfd invalid utf-8"),
    st.just(b"[" * 5000 + b"]" * 5000),  # deeply nested JSON
    st.just(b'{"v": 1, "type": "occupancy", "ts": NaN, "seq": 1}'),
    st.just(b'{"v": 1, "type": "occupancy", "ts": "2026-01-01T00:00Z", "seq": "1", "data": []}'),
    st.just(b"x" * 300_000),  # over the 256 KiB limit
)
_ROOM_TOPIC = "{prefix}/v1/rooms/hq-f1-aurora/devices/term-hq-f1-aurora/{leaf}"
_LEAVES = st.sampled_from(
    ["occupancy", "heartbeat", "events/sensor", "events/spool_gap", "speech/x", "status"]
)


@settings(
    max_examples=1,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(_LEAVES, _GARBAGE), min_size=30, max_size=30))
def test_fuzzed_payloads_between_real_traffic_lose_nothing(
    broker: RunningBroker,
    hub: HubProcess,
    tmp_path: Path,
    topic_prefix: str,
    garbage: list[tuple[str, bytes]],
) -> None:
    terminals = load(broker, tmp_path, topic_prefix)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="fuzzer", protocol=paho.MQTTv5)
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        wait_for(lambda: stored_total(hub) > 50, "traffic to flow")
        for leaf, payload in garbage:
            topic = _ROOM_TOPIC.format(prefix=topic_prefix, leaf=leaf)
            client.publish(topic, payload, qos=1).wait_for_publish(30)
        settle_and_judge(terminals, hub, min_messages=4 * COUNT)
        with sqlite3.connect(hub.database_path) as db:
            (dead,) = db.execute("SELECT count(*) FROM dead_letters").fetchone()
        assert dead == len(garbage)  # each one kept, none of them crashed or blocked ingest
        assert hub.child.alive()
    finally:
        client.disconnect()
        client.loop_stop()
        terminals.stop()
