"""The spool against a real Mosquitto, with a plain paho client playing the hub.

Tests wait for the messages they expect with generous bounds and assert on order and
content, never on how long anything took.
"""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from common.clock import SystemClock
from common.mqtt import BrokerAddress, MqttConnection
from contract import topics
from contract.commands import SPOOL_TARGET, AckCommand, ReplayCommand, SpoolCommand, encode_command
from contract.envelope import new_boot_id
from contract.messages import Message, SeqRange, SpoolGapData, StatusData, decode
from devtools import waiting
from devtools.broker import RunningBroker
from devtools.processes import start_terminal
from edge.delivery import Deliverer, DeliverySettings
from edge.occupancy import SpaceSnapshot
from edge.publisher import Identity, MessageBuilder, Publisher, Sequencer
from edge.spool import Spool
from edge.spool_commands import SpoolCommands

from .conftest import AURORA

pytestmark = pytest.mark.integration
ROOT = AURORA.parents[1]
ROOM, DEVICE = "hq-f1-aurora", "term-hq-f1-aurora"
WAIT_S = 30.0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    return waiting.wait_for(condition, what, timeout)


@dataclass(frozen=True)
class Arrival:
    message: Message
    payload: bytes

    @property
    def key(self) -> tuple[str, int]:
        return self.message.envelope.boot, self.message.envelope.seq

    @property
    def is_status(self) -> bool:
        return self.message.envelope.type == "status"


class FakeHub:
    """Records what the terminal publishes (in arrival order) and sends it spool commands."""

    def __init__(self, broker: RunningBroker, prefix: str) -> None:
        self.prefix = prefix
        self.subscribed = threading.Event()
        self._arrivals: list[Arrival] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"fake-hub-{id(self)}", protocol=paho.MQTTv5
        )
        client.reconnect_delay_set(min_delay=1, max_delay=2)
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *args: self.subscribed.set()
        client.on_disconnect = lambda *args: self.subscribed.clear()
        client.on_message = self._on_message
        client.connect_async(broker.host, broker.port, keepalive=5)
        client.loop_start()
        self.client = client
        assert self.subscribed.wait(WAIT_S), "the fake hub could not subscribe"

    def _on_connect(self, client: paho.Client, *args: Any) -> None:
        client.subscribe([(f, 1) for f in topics.all_terminal_messages(self.prefix)])

    def _on_message(self, client: paho.Client, userdata: Any, raw: paho.MQTTMessage) -> None:
        try:
            arrival = Arrival(decode(raw.topic, raw.payload), bytes(raw.payload))
        except Exception as exc:  # recorded, so the test fails with the reason
            with self._lock:
                self.errors.append(f"{raw.topic}: {exc}")
            return
        with self._lock:
            self._arrivals.append(arrival)

    def arrivals(self) -> list[Arrival]:
        with self._lock:
            return list(self._arrivals)

    def ledger(self, boot: str | None = None) -> list[Arrival]:
        return [
            a for a in self.arrivals() if not a.is_status and (boot is None or a.key[0] == boot)
        ]

    def distinct(self, boot: str) -> list[int]:
        """Seqs of ``boot`` in the order of their first arrival."""
        seen: dict[int, None] = {}
        for arrival in self.ledger(boot):
            seen.setdefault(arrival.key[1])
        return list(seen)

    def copies(self, boot: str, seq: int) -> list[bytes]:
        return [a.payload for a in self.ledger(boot) if a.key[1] == seq]

    def statuses(self) -> list[StatusData]:
        return [a.message.data for a in self.arrivals() if isinstance(a.message.data, StatusData)]

    def command(self, command: SpoolCommand) -> None:
        topic = topics.command_topic(self.prefix, ROOM, DEVICE, SPOOL_TARGET)
        self.client.publish(topic, encode_command(command), qos=1)

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class InProcessTerminal:
    """Builder, publisher, deliverer, spool and a real MQTT connection, wired as in edge.cli."""

    def __init__(
        self,
        broker: RunningBroker,
        prefix: str,
        spool_path: Path,
        resend_after: float,
        before_online: Callable[[], object] = lambda: None,
    ) -> None:
        self.boot = new_boot_id()
        self.builder = MessageBuilder(Identity(prefix, ROOM, DEVICE, self.boot), Sequencer())
        self.spool = Spool(spool_path)

        def connected() -> None:
            before_online()
            self.publisher.announce_online()
            self.deliverer.on_connected()

        clock = SystemClock()
        self.connection = MqttConnection(
            BrokerAddress(broker.host, broker.port, protocol="5", keepalive_s=5),
            DEVICE,
            will=self.builder.will(clock.now()),
            on_connected=connected,
            on_disconnected=lambda: self.deliverer.on_disconnected(),
            on_published=lambda mid: self.deliverer.on_published(mid),
            on_message=lambda message: self.commands.on_message(message),
        )
        settings = DeliverySettings(resend_after=resend_after, tick=0.1)
        self.deliverer = Deliverer(self.connection, self.spool, settings)
        self.publisher = Publisher(self.builder, self.deliverer, clock, delivery=self.deliverer)
        self.commands = SpoolCommands(self.deliverer, self.publisher.report_gap)
        self.connection.subscribe(topics.commands_for(prefix, ROOM, DEVICE))
        self.deliverer.start()
        self.connection.start()

    def send(self, count: int) -> None:
        for i in range(count):
            space = SpaceSnapshot("room", ROOM, i % 2 == 0, ())
            self.publisher.send(partial(self.builder.occupancy, space, SystemClock().now()))

    def close(self) -> None:
        self.deliverer.stop()
        self.connection.stop()
        self.spool.close()


@pytest.fixture
def hub(broker: RunningBroker, topic_prefix: str) -> Iterator[FakeHub]:
    fake = FakeHub(broker, topic_prefix)
    yield fake
    fake.stop()


@pytest.fixture
def make_terminal(
    broker: RunningBroker, topic_prefix: str, tmp_path: Path
) -> Iterator[Callable[..., InProcessTerminal]]:
    made: list[InProcessTerminal] = []

    def make(**kwargs: Any) -> InProcessTerminal:
        terminal = InProcessTerminal(broker, topic_prefix, tmp_path / "spool.sqlite", **kwargs)
        made.append(terminal)
        return terminal

    yield make
    for terminal in made:
        terminal.close()


def online_count(hub: FakeHub) -> int:
    return sum(1 for s in hub.statuses() if s.state == "online")


def test_messages_published_while_the_broker_is_down_arrive_in_order_after_it_returns(
    broker: RunningBroker, hub: FakeHub, make_terminal: Callable[..., InProcessTerminal]
) -> None:
    # The terminal announces itself (and paho then flushes its queue) only once the hub is
    # subscribed again: a broker without persistence forgets subscriptions when it dies.
    terminal = make_terminal(resend_after=3600.0, before_online=lambda: hub.subscribed.wait(WAIT_S))
    wait_for(lambda: online_count(hub) == 1, "the terminal online")
    terminal.send(3)
    wait_for(lambda: hub.distinct(terminal.boot) == [1, 2, 3], "seqs 1-3")
    before_kill = len(hub.arrivals())

    broker.kill()
    wait_for(lambda: not terminal.connection.connected, "the terminal to notice")
    wait_for(lambda: not hub.subscribed.is_set(), "the hub to notice")
    terminal.send(5)  # seqs 4..8: spooled, and queued by paho
    assert terminal.spool.pending == 8
    broker.start()

    wait_for(lambda: len(hub.distinct(terminal.boot)) == 8, "all eight messages")
    assert hub.errors == []
    assert hub.distinct(terminal.boot) == list(range(1, 9))  # first arrivals in order
    after = hub.arrivals()[before_kill:]
    assert after[0].is_status and after[0].message.data == StatusData(
        state="online", reason="reconnect"
    )
    outage = [a.key[1] for a in after if not a.is_status and a.key[1] >= 4]
    assert outage[:5] == [4, 5, 6, 7, 8]
    # What the broker took before it died was published again after the reconnect.
    wait_for(
        lambda: all(len(hub.copies(terminal.boot, seq)) >= 2 for seq in (1, 2, 3)),
        "seqs 1-3 re-published after the reconnect",
    )


def test_unconfirmed_messages_are_resent_after_the_timeout_and_forgotten_after_an_ack(
    hub: FakeHub, make_terminal: Callable[..., InProcessTerminal]
) -> None:
    terminal = make_terminal(resend_after=0.5)
    wait_for(lambda: online_count(hub) == 1, "the terminal online")
    terminal.send(3)
    wait_for(
        lambda: all(len(hub.copies(terminal.boot, seq)) >= 2 for seq in (1, 2, 3)),
        "every message re-sent without a confirmation",
    )
    for seq in (1, 2, 3):
        assert len(set(hub.copies(terminal.boot, seq))) == 1  # the same bytes every time

    hub.command(AckCommand(boot=terminal.boot, through_seq=2))
    wait_for(lambda: terminal.spool.pending == 1, "seqs 1-2 removed from the spool")
    assert [m.seq for m in terminal.spool.unconfirmed()] == [3]
    hub.command(AckCommand(boot=terminal.boot, through_seq=3))
    wait_for(lambda: terminal.spool.pending == 0, "the spool empty")
    assert hub.errors == []


def test_a_replay_republishes_exactly_the_asked_seqs_and_reports_unknown_ones(
    hub: FakeHub, make_terminal: Callable[..., InProcessTerminal]
) -> None:
    terminal = make_terminal(resend_after=3600.0)
    # The terminal subscribes to its commands before it publishes its status.
    wait_for(lambda: online_count(hub) == 1, "the terminal online")
    terminal.send(6)
    boot = terminal.boot
    wait_for(lambda: hub.distinct(boot) == [1, 2, 3, 4, 5, 6], "seqs 1-6")
    hub.command(AckCommand(boot=boot, through_seq=2))
    wait_for(lambda: terminal.spool.pending == 4, "seqs 1-2 confirmed")

    ranges = [SeqRange(first=1, last=4), SeqRange(first=6, last=6)]
    hub.command(ReplayCommand(boot=boot, ranges=ranges))
    unknown = "20200101T000000-0badc0de"
    hub.command(ReplayCommand(boot=unknown, ranges=[SeqRange(first=3, last=5)]))

    gaps = wait_for(
        lambda: [a for a in hub.ledger(boot) if isinstance(a.message.data, SpoolGapData)],
        "a spool_gap report",
    )
    [gap] = gaps
    assert gap.message.data == SpoolGapData(
        boot=unknown, ranges=[SeqRange(first=3, last=5)], reason="not_in_spool"
    )
    assert gap.key == (boot, 7)  # a normal ledger message of the current boot
    # Commands are handled in order, so the replay's messages came before the report.
    replayed = [seq for seq in range(1, 7) if len(hub.copies(boot, seq)) > 1]
    assert replayed == [3, 4, 6]
    assert all(len(set(hub.copies(boot, seq))) == 1 for seq in replayed)
    assert hub.errors == []


# -- the terminal as a process --------------------------------------------------------

SCENARIO = """\
name: spool
description: a busy room, so that the terminal has plenty to say
steps:
  - {at: 0, sensor: door, action: close}
  - {at: 30s, sensor: door, action: open}
  - {at: 30s, sensor: pir-ceiling, action: pulse, every: 20s, until: 30m}
  - {at: 10m, sensor: radar, action: "on"}
  - {at: 12m, sensor: radar, action: "off"}
"""


@pytest.fixture
def terminal_config(tmp_path: Path) -> Path:
    """Aurora with a short keepalive, and no timed re-sends to muddle the order."""
    text = AURORA.read_text().replace("  port: 1883\n", "  port: 1883\n  keepalive: 5s\n")
    path = tmp_path / "aurora.yaml"
    path.write_text(text + "spool:\n  resend_after: 1h\n")
    return path


def test_a_killed_terminal_republishes_its_old_boot_after_a_restart(
    broker: RunningBroker, hub: FakeHub, topic_prefix: str, terminal_config: Path, tmp_path: Path
) -> None:
    scenario = tmp_path / "spool-scenario.yaml"
    scenario.write_text(SCENARIO)
    spool = tmp_path / "terminal-spool.sqlite"
    run = partial(
        start_terminal,
        terminal_config,
        broker,
        scenario=str(scenario),
        speed=200,
        start="-1h",
        prefix=topic_prefix,
        spool=spool,
    )
    processes = [run(tmp_path / "first")]
    try:
        wait_for(lambda: len(hub.ledger()) >= 5, "the first boot's messages")
        processes[0].kill()
        first_boot = hub.ledger()[0].key[0]
        before = {a.key[1]: a.payload for a in hub.ledger(first_boot)}
        arrived_before = len(hub.arrivals())

        processes.append(run(tmp_path / "second"))
        wait_for(
            lambda: [b for b in {a.key[0] for a in hub.ledger()} if b != first_boot],
            "the second boot",
        )
        second_boot = next(b for b in {a.key[0] for a in hub.ledger()} if b != first_boot)
        wait_for(lambda: hub.distinct(second_boot)[:3] == [1, 2, 3], "the second boot's seq 1-3")
    finally:
        for process in processes:
            process.kill()

    assert hub.errors == []
    after = [a for a in hub.arrivals()[arrived_before:] if not a.is_status]
    resent = [a for a in after if a.key[0] == first_boot]
    # Everything the first boot spooled, with its own boot and seq, the same bytes, in order,
    # and before anything of the new boot.
    assert [a.key[1] for a in resent] == list(range(1, len(resent) + 1))
    assert len(resent) >= max(before)
    assert all(before[a.key[1]] == a.payload for a in resent if a.key[1] in before)
    assert after[: len(resent)] == resent
    new = [a.key[1] for a in after if a.key[0] == second_boot]
    assert new == list(range(1, len(new) + 1))  # the new boot starts at seq 1
    assert second_boot != first_boot  # (ordered by start time only to the second)
