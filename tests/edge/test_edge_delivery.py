"""The Deliverer between Publisher and MQTT, with a fake broker connection and a fake clock.

Nothing here sleeps: the worker's passes are run by hand with :meth:`Deliverer.pump`.
"""

import logging
import queue
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import MQTTErrorCode

from common.clock import FakeClock
from contract import topics
from contract.commands import AckCommand, ReplayCommand, encode_command
from contract.envelope import Envelope
from contract.messages import HeartbeatData, Message, SeqRange, SpoolFill, SpoolGapData, decode
from contract.terminal_config import TerminalConfig
from edge.agent import Agent
from edge.delivery import Deliverer, DeliverySettings
from edge.occupancy import SpaceSnapshot
from edge.occupancy_engine import build_engine
from edge.publisher import Identity, MessageBuilder, Outgoing, Publisher, Sequencer
from edge.spool import Spool
from edge.spool_commands import SpoolCommands

ROOM, DEVICE = "hq-f1-aurora", "term-hq-f1-aurora"
RESEND_S = 30.0


@dataclass
class Info:
    mid: int
    rc: int

    def wait_for_publish(self, timeout: float | None = None) -> None:
        return None

    def is_published(self) -> bool:
        return True


@dataclass
class Sent:
    mid: int
    topic: str
    payload: bytes
    retain: bool

    @property
    def message(self) -> Message:
        return decode(self.topic, self.payload)

    @property
    def key(self) -> tuple[str, int]:
        envelope = self.message.envelope
        return envelope.boot, envelope.seq


@dataclass
class FakeConnection:
    """Hands out message ids like paho and acknowledges only when told to."""

    deliverer: Deliverer | None = None
    connected: bool = True
    ack_inline: bool = False  # the PUBACK beats publish() back to the caller
    sent: list[Sent] = field(default_factory=list)
    unacked: list[int] = field(default_factory=list)
    next_mid: int = 0

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Info:
        self.next_mid += 1
        mid = self.next_mid
        self.sent.append(Sent(mid, topic, payload, retain))
        if self.ack_inline and self.connected:
            assert self.deliverer is not None
            self.deliverer.on_published(mid)
        else:
            self.unacked.append(mid)
        ok = MQTTErrorCode.MQTT_ERR_SUCCESS
        return Info(mid, ok if self.connected else MQTTErrorCode.MQTT_ERR_NO_CONN)

    def ack_all(self) -> None:
        assert self.deliverer is not None
        mids, self.unacked = self.unacked, []
        for mid in mids:
            self.deliverer.on_published(mid)

    def take(self) -> list[Sent]:
        sent, self.sent = self.sent, []
        return sent


class Rig:
    def __init__(self, path: Path, boot: str = "20260105T080000-aaaaaaaa", **spool_args: int):
        self.time = 1_000_000.0
        self.path = path
        self.spool = Spool(path, now=self.now, **spool_args)
        self.connection = FakeConnection()
        self.deliverer = Deliverer(
            self.connection,
            self.spool,
            DeliverySettings(resend_after=RESEND_S, report_drops_every=0),
            now=self.now,
        )
        self.connection.deliverer = self.deliverer
        self.builder = MessageBuilder(Identity("quorum", ROOM, DEVICE, boot), Sequencer())
        self.clock = FakeClock()
        self.publisher = Publisher(
            self.builder, self.deliverer, self.clock, delivery=self.deliverer
        )
        self.commands = SpoolCommands(self.deliverer, self.publisher.report_gap)

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds

    def connect(self) -> None:
        self.connection.connected = True
        self.deliverer.on_connected()
        self.deliverer.pump()

    def disconnect(self) -> None:
        self.connection.connected = False
        self.deliverer.on_disconnected()

    def occupancy(self, occupied: bool = True) -> Outgoing:
        space = SpaceSnapshot("room", ROOM, occupied, ())
        return self.builder.occupancy(space, self.clock.now())

    def send(self, count: int = 1) -> None:
        for i in range(count):
            self.publisher.send(partial(self.occupancy, i % 2 == 0))

    def heartbeat(self) -> None:
        self.publisher.send(partial(self.builder.heartbeat, [], 1.0, 60.0, self.clock.now()))

    def command(self, payload: bytes) -> None:
        topic = topics.command_topic("quorum", ROOM, DEVICE, "spool")
        self.commands.on_message(_mqtt_message(topic, payload))
        self.deliverer.pump()


def _mqtt_message(topic: str, payload: bytes) -> paho.MQTTMessage:
    message = paho.MQTTMessage(topic=topic.encode())
    message.payload = payload
    return message


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path / "spool.sqlite")
    made.connect()
    yield made
    made.spool.close()


def seqs(sent: list[Sent]) -> list[int]:
    return [s.key[1] for s in sent]


def test_a_message_is_on_disk_before_it_is_published(rig: Rig) -> None:
    on_disk_when_published: list[int] = []
    publish = rig.connection.publish

    def checking(topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Info:
        on_disk_when_published.append(rig.spool.pending)
        return publish(topic, payload, qos, retain)

    rig.connection.publish = checking  # type: ignore[method-assign]
    rig.send(2)
    assert on_disk_when_published == [1, 2]
    assert seqs(rig.connection.take()) == [1, 2]


def test_status_is_published_but_never_spooled(rig: Rig) -> None:
    rig.publisher.announce_online()
    [status] = rig.connection.take()
    assert status.retain and status.message.envelope.seq == 0
    assert rig.spool.pending == 0


def test_the_brokers_ack_marks_sent_even_when_it_beats_publish_back(rig: Rig) -> None:
    rig.connection.ack_inline = True
    rig.send(1)
    rig.connection.ack_inline = False
    rig.send(1)
    assert rig.deliverer.in_flight() == 1
    rig.connection.ack_all()
    rig.deliverer.pump()
    assert rig.deliverer.in_flight() == 0
    assert rig.spool.stats().unsent == 0
    assert all(m.sent_at == rig.time for m in rig.spool.unconfirmed())


def test_unconfirmed_messages_are_resent_after_the_timeout_then_less_often(rig: Rig) -> None:
    rig.send(2)
    first = rig.connection.take()
    rig.connection.ack_all()
    rig.deliverer.pump()
    rig.advance(RESEND_S - 1)
    rig.deliverer.pump()
    assert rig.connection.take() == []

    rig.advance(1)
    rig.deliverer.pump()
    again = rig.connection.take()
    assert [s.payload for s in again] == [s.payload for s in first]  # same boot, seq, ts

    # In flight (no ack from the broker yet): not published a third time.
    rig.advance(RESEND_S - 1)
    rig.deliverer.pump()
    assert rig.connection.take() == []
    rig.connection.ack_all()
    rig.deliverer.pump()
    rig.advance(2 * RESEND_S - 1)  # the second wait is twice as long
    rig.deliverer.pump()
    assert rig.connection.take() == []
    rig.advance(1)
    rig.deliverer.pump()
    assert seqs(rig.connection.take()) == [1, 2]


def test_a_message_the_broker_never_acks_is_published_again_after_the_timeout(rig: Rig) -> None:
    rig.send(1)
    rig.connection.take()
    rig.advance(RESEND_S)
    rig.deliverer.pump()
    assert seqs(rig.connection.take()) == [1]


def test_nothing_is_resent_while_disconnected(rig: Rig) -> None:
    rig.send(1)
    rig.connection.take()
    rig.connection.ack_all()
    rig.deliverer.pump()
    rig.disconnect()
    rig.advance(10 * RESEND_S)
    rig.deliverer.pump()
    assert rig.connection.take() == []


def test_after_a_reconnect_what_the_broker_took_earlier_is_published_again(rig: Rig) -> None:
    rig.send(3)
    rig.connection.take()
    rig.connection.ack_all()
    rig.deliverer.pump()
    rig.advance(1)
    rig.disconnect()
    rig.send(2)  # while offline: paho keeps these and sends them itself on connect
    assert seqs(rig.connection.take()) == [4, 5]
    rig.advance(1)
    rig.connect()
    assert seqs(rig.connection.take()) == [1, 2, 3]  # only what the broker acked before

    rig.connection.ack_all()
    rig.deliverer.pump()
    rig.advance(RESEND_S - 1)  # paho's own re-sends get the full timeout after the connect
    rig.deliverer.pump()
    assert rig.connection.take() == []


def test_an_ack_command_empties_the_spool_up_to_the_watermark(rig: Rig) -> None:
    rig.send(5)
    boot = rig.builder.identity.boot
    rig.command(encode_command(AckCommand(boot=boot, through_seq=3)))
    assert [m.seq for m in rig.spool.unconfirmed()] == [4, 5]
    rig.command(encode_command(AckCommand(boot="19990101T000000-00000000", through_seq=9)))
    assert rig.spool.pending == 2


def test_a_replay_republishes_exactly_what_was_asked_and_reports_what_is_gone(
    rig: Rig,
) -> None:
    rig.send(8)
    rig.connection.take()
    rig.connection.ack_all()
    rig.deliverer.pump()
    boot = rig.builder.identity.boot
    rig.command(encode_command(AckCommand(boot=boot, through_seq=2)))

    # 1-2 are confirmed (ignored), 3-4 and 6 are held; 9-12 were never produced.
    ranges = [SeqRange(first=6, last=6), SeqRange(first=1, last=4), SeqRange(first=9, last=12)]
    rig.command(encode_command(ReplayCommand(boot=boot, ranges=ranges)))
    assert [s.key for s in rig.connection.take()] == [(boot, 3), (boot, 4), (boot, 6)]

    other = "20250101T000000-bbbbbbbb"  # a boot this spool never had (a replaced disk)
    ranges = [SeqRange(first=5, last=7), SeqRange(first=10, last=10)]
    rig.command(encode_command(ReplayCommand(boot=other, ranges=ranges)))
    [gap] = rig.connection.take()
    assert gap.message.envelope.boot == boot and gap.message.envelope.seq == 9
    assert gap.message.data == SpoolGapData(
        boot=other,
        ranges=[SeqRange(first=5, last=7), SeqRange(first=10, last=10)],
        reason="not_in_spool",
    )
    assert rig.spool.get(boot, [(9, 9)])  # the report itself is spooled


def test_a_replay_does_not_duplicate_a_copy_still_in_flight(rig: Rig) -> None:
    rig.send(2)
    rig.connection.take()
    boot = rig.builder.identity.boot
    rig.command(encode_command(ReplayCommand(boot=boot, ranges=[SeqRange(first=1, last=2)])))
    assert rig.connection.take() == []


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b'{"v": 2, "ts": "2026-01-05T08:00:00Z", "command": {"type": "ack"}}',
        b'{"v": 1, "ts": "2026-01-05T08:00:00Z", "command": {"type": "ack", "boot": "x"}}',
        b'{"v": 1, "ts": "2026-01-05T08:00:00Z", "command": {"type": "explode"}}',
        b"[]",
    ],
)
def test_a_bad_command_is_logged_and_ignored(
    rig: Rig, payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    rig.send(1)
    with caplog.at_level(logging.WARNING):
        rig.command(payload)
    assert "ignoring a bad spool command" in caplog.text
    assert rig.spool.pending == 1


def test_commands_for_other_targets_are_ignored(rig: Rig) -> None:
    rig.send(1)
    boot = rig.builder.identity.boot
    topic = topics.command_topic("quorum", ROOM, DEVICE, "display")
    payload = encode_command(AckCommand(boot=boot, through_seq=1))
    rig.commands.on_message(_mqtt_message(topic, payload))
    rig.deliverer.pump()
    assert rig.spool.pending == 1


def test_a_restart_republishes_earlier_boots_with_their_own_boot_and_seq(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite"
    before = Rig(path, boot="20260105T080000-aaaaaaaa")
    before.connect()
    before.send(3)
    originals = before.connection.take()
    before.connection.ack_all()
    before.deliverer.pump()
    before.spool.close()  # or a SIGKILL: every commit is already on disk

    after = Rig(path, boot="20260105T090000-bbbbbbbb")
    after.deliverer.resend_spooled()  # before connecting, like the runner
    after.send(1)
    sent = after.connection.take()
    assert [s.payload for s in sent[:3]] == [s.payload for s in originals]
    assert sent[3].key == ("20260105T090000-bbbbbbbb", 1)
    after.connect()  # queued before the connect, so not repeated on it
    assert after.connection.take() == []
    after.spool.close()


def test_a_full_spool_reports_what_it_dropped_as_a_coalesced_gap(tmp_path: Path) -> None:
    rig = Rig(tmp_path / "spool.sqlite", max_messages=10)
    rig.connect()
    boot = rig.builder.identity.boot
    for i in range(10):  # seqs 1..10, heartbeats at odd seqs
        if i % 2 == 0:
            rig.heartbeat()
        else:
            rig.send(1)
    rig.send(1)  # 11: makes room by dropping heartbeats 1 and 3
    gaps = [s for s in rig.connection.take() if s.message.envelope.type == "spool_gap"]
    [gap] = gaps
    assert gap.key == (boot, 12)
    assert gap.message.data == SpoolGapData(
        boot=boot,
        ranges=[SeqRange(first=1, last=1), SeqRange(first=3, last=3)],
        reason="spool_full",
    )
    assert rig.spool.stats().dropped == {"heartbeat": 2}
    rig.spool.close()


def test_coalesced_gap_ranges(tmp_path: Path) -> None:
    rig = Rig(tmp_path / "spool.sqlite", max_messages=20)
    rig.connect()
    boot = rig.builder.identity.boot
    for _ in range(6):
        rig.heartbeat()
    rig.send(14)
    rig.send(1)  # 21: drops heartbeats 1..3 in one go
    [gap] = [s for s in rig.connection.take() if s.message.envelope.type == "spool_gap"]
    assert gap.message.data == SpoolGapData(
        boot=boot, ranges=[SeqRange(first=1, last=3)], reason="spool_full"
    )
    rig.spool.close()


def test_speech_is_never_dropped_and_raises_an_alarm(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rig = Rig(tmp_path / "spool.sqlite", max_messages=10)
    rig.connect()
    topic = topics.speech_topic("quorum", ROOM, DEVICE, "transcript")
    boot = rig.builder.identity.boot

    def transcript(seq: int) -> Outgoing:
        envelope = Envelope(
            type="transcript", ts=rig.clock.now(), device=DEVICE, boot=boot, seq=seq, data={}
        )
        return Outgoing(topic, envelope.to_json(), 1, False, boot, seq)

    with caplog.at_level(logging.ERROR):
        for seq in range(1, 13):
            rig.deliverer.deliver(transcript(seq))
    assert rig.spool.pending == 12
    assert rig.spool.stats().alarms == 2 and rig.spool.stats().dropped_total == 0
    assert "ALARM: spool over its bound" in caplog.text
    rig.spool.close()


def test_a_spool_that_cannot_be_written_still_lets_messages_out(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.spool.close()
    with caplog.at_level(logging.ERROR):
        rig.send(1)
    assert seqs(rig.connection.take()) == [1]
    assert rig.deliverer.unspooled == 1 and "could not spool" in caplog.text


def test_the_agent_logs_the_spool_counters_with_each_heartbeat(
    tmp_path: Path, aurora_config: TerminalConfig, caplog: pytest.LogCaptureFixture
) -> None:
    rig = Rig(tmp_path / "spool.sqlite", max_messages=10)
    rig.connect()
    engine = build_engine(aurora_config, rig.clock.monotonic())  # fusion, the default
    agent = Agent(engine, rig.publisher, queue.Queue(), rig.clock, 60.0, ZoneInfo("UTC"))
    for _ in range(10):
        rig.heartbeat()
    with caplog.at_level(logging.DEBUG, logger="edge.agent"):
        rig.clock.advance(60)
        agent.process()  # a heartbeat: the spool drops older ones to make room
    [record] = [r for r in caplog.records if r.getMessage().startswith("spool:")]
    assert record.levelno == logging.WARNING
    assert "dropped 2 {'heartbeat': 2}; alarms 0" in record.getMessage()
    caplog.clear()
    rig.spool.confirm(rig.builder.identity.boot, 100)  # the hub caught up: room again
    with caplog.at_level(logging.DEBUG, logger="edge.agent"):
        rig.clock.advance(60)
        agent.process()
    [record] = [r for r in caplog.records if r.getMessage().startswith("spool:")]
    assert record.levelno == logging.DEBUG  # nothing new given up
    rig.spool.close()


def test_the_agents_heartbeat_carries_the_spools_fill(
    tmp_path: Path, aurora_config: TerminalConfig
) -> None:
    rig = Rig(tmp_path / "spool.sqlite", max_messages=10, max_bytes=100_000)
    rig.connect()
    engine = build_engine(aurora_config, rig.clock.monotonic())
    agent = Agent(engine, rig.publisher, queue.Queue(), rig.clock, 60.0, ZoneInfo("UTC"))
    rig.send(8)  # the hub confirms none of them
    held = rig.spool.stats().payload_bytes
    rig.connection.take()
    rig.clock.advance(60)
    agent.process()
    [sent] = rig.connection.take()
    data = sent.message.data
    assert isinstance(data, HeartbeatData) and data.spool is not None
    # Read as the heartbeat was built: the eight waiting messages, not the heartbeat itself.
    assert data.spool == SpoolFill(pending=8, max_messages=10, bytes=held, max_bytes=100_000)
    assert data.spool.used == 0.8
    rig.spool.confirm(rig.builder.identity.boot, 9)  # the hub caught up
    rig.clock.advance(60)
    agent.process()
    [sent] = rig.connection.take()
    assert isinstance(sent.message.data, HeartbeatData)
    assert sent.message.data.spool == SpoolFill(
        pending=0, max_messages=10, bytes=0, max_bytes=100_000
    )
    rig.spool.close()
