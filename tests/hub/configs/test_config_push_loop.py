"""The hub's push loop and the terminals' answers, on a real (SQLite) database, with a fake
clock and a sender that records what would go to the broker.

Answers enter through ingest (``apply_batch``) as the terminal's own message builder makes
them, so producer and consumer are checked together.
"""

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract.commands import CONFIG_TARGET, decode_config_command
from contract.config_push import ConfigReportData, config_version
from edge.publisher import Identity, MessageBuilder, Sequencer
from hub.configs.push import push_round
from hub.configs.state import PushPolicy, config_state
from hub.configs.sync import sync_configs
from hub.db.audit_models import AuditEntry
from hub.db.config_models import DeviceConfig
from hub.db.models import Device
from hub.ingest.apply import Received, apply_batch

Factory = sessionmaker[Session]
AURORA, ROOM = "term-hq-f1-aurora", "hq-f1-aurora"
POLICY = PushPolicy(retry_after_s=300, max_pushes=3)
SEQUENCE = Sequencer()  # one terminal boot for every answer in this module


class Sender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, bytes]] = []
        self.connected = True

    def __call__(self, room: str, device: str, target: str, payload: bytes) -> bool:
        if self.connected:
            self.sent.append((room, device, target, payload))
        return self.connected


@pytest.fixture
def synced(factory: Factory, configs: Path, clock: FakeClock) -> Path:
    """Every file synced; Aurora's then edited and synced again (so it has a change)."""
    with factory() as session:
        sync_configs(session, configs, now=clock.now(), actor="cli:ops")
        session.commit()
    return configs


def run_round(factory: Factory, sender: Sender, clock: FakeClock) -> list[str]:
    return push_round(factory, sender, clock.now(), POLICY)


def set_device(factory: Factory, device_id: str, *, online: bool, version: str | None) -> None:
    with factory() as session:
        device = session.get_one(Device, device_id)
        device.online, device.config_version, device.boot = online, version, "20261128T130000-aa"
        session.commit()


def desired(factory: Factory, device_id: str = AURORA) -> DeviceConfig:
    with factory() as session:
        return session.get_one(DeviceConfig, device_id)


def state(factory: Factory, device_id: str = AURORA) -> str:
    with factory() as session:
        device = session.get_one(Device, device_id)
        return config_state(session.get(DeviceConfig, device_id), device.config_version, POLICY)


def answer(factory: Factory, clock: FakeClock, report: ConfigReportData, at: datetime) -> None:
    """The terminal's ``config`` message, through ingest."""
    builder = MessageBuilder(Identity("quorum", ROOM, AURORA, "20261128T140000-bb"), SEQUENCE)
    message = builder.config_report(report, at)
    with factory() as session, session.begin():
        result = apply_batch(
            session, [Received(message.topic, message.payload, clock.now())], clock
        )
    assert (result.stored, result.dead) == (1, [])


def test_an_offline_terminal_gets_its_configuration_when_it_is_back(
    factory: Factory, synced: Path, clock: FakeClock
) -> None:
    sender = Sender()
    old = "0123456789ab"
    set_device(factory, AURORA, online=False, version=old)
    assert run_round(factory, sender, clock) == [] and sender.sent == []
    assert state(factory) == "pending"
    set_device(factory, AURORA, online=True, version=old)  # its retained status came in
    assert run_round(factory, sender, clock) == [AURORA]
    room, device, target, payload = sender.sent[0]
    command = decode_config_command(payload)
    content = (synced / "hq-f1-aurora.yaml").read_bytes()
    assert (room, device, target) == (ROOM, AURORA, CONFIG_TARGET)
    assert command.yaml.encode() == content and command.version == config_version(content)
    assert state(factory) == "pushed"
    with factory() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "config.push")).one()
    assert (entry.actor, entry.target) == ("system", f"device:{AURORA}")
    assert entry.details == {"version": command.version, "running_version": old, "attempt": 1}


def test_a_terminal_running_its_configuration_is_left_alone(
    factory: Factory, synced: Path, clock: FakeClock
) -> None:
    sender = Sender()
    set_device(factory, AURORA, online=True, version=desired(factory).desired_version)
    assert run_round(factory, sender, clock) == [] and state(factory) == "in_sync"


def test_an_unanswered_push_is_repeated_after_a_while_and_then_given_up(
    factory: Factory, synced: Path, clock: FakeClock
) -> None:
    sender = Sender()
    set_device(factory, AURORA, online=True, version="0123456789ab")
    pushes = []
    for _ in range(8):
        pushes += run_round(factory, sender, clock)
        clock.advance(POLICY.retry_after_s / 2)
    assert pushes == [AURORA] * POLICY.max_pushes  # every retry_after_s, max_pushes times
    assert desired(factory).push_count == POLICY.max_pushes and state(factory) == "no_answer"


def test_without_the_broker_nothing_counts_as_pushed(
    factory: Factory, synced: Path, clock: FakeClock
) -> None:
    sender = Sender()
    sender.connected = False
    set_device(factory, AURORA, online=True, version="0123456789ab")
    assert run_round(factory, sender, clock) == []
    assert desired(factory).pushed_version is None and state(factory) == "pending"


def test_a_rolled_back_configuration_is_shown_and_not_pushed_again(
    factory: Factory, synced: Path, clock: FakeClock
) -> None:
    sender = Sender()
    old = "0123456789ab"
    set_device(factory, AURORA, online=True, version=old)
    run_round(factory, sender, clock)
    version = desired(factory).desired_version
    assert version is not None
    clock.advance(70)
    report = ConfigReportData(
        version=version,
        outcome="rolled_back",
        reason="broker_unreachable",
        detail="no broker connection to localhost:1 in 60 s",
        running_version=old,
    )
    answer(factory, clock, report, clock.now())
    row = desired(factory)
    assert (row.outcome, row.reason, row.running_version) == (
        "rolled_back",
        "broker_unreachable",
        old,
    )
    assert state(factory) == "rolled_back"
    clock.advance(POLICY.retry_after_s * 10)
    assert run_round(factory, sender, clock) == []  # the same file would fail the same way
    # An operator fixed the cause and asks again (python -m hub configs push).
    with factory() as session:
        session.get_one(DeviceConfig, AURORA).pushed_version = None
        session.commit()
    assert state(factory) == "pending"
    assert run_round(factory, sender, clock) == [AURORA]
    assert state(factory) == "pushed"  # the old answer is not the answer to this push


def test_an_applied_answer_is_in_sync_and_an_older_answer_never_hides_a_newer_one(
    factory: Factory, synced: Path, clock: FakeClock
) -> None:
    sender = Sender()
    set_device(factory, AURORA, online=True, version="0123456789ab")
    run_round(factory, sender, clock)
    version = desired(factory).desired_version
    assert version is not None
    clock.advance(30)
    applied = ConfigReportData(version=version, outcome="applied", running_version=version)
    answer(factory, clock, applied, clock.now())
    assert state(factory) == "in_sync"
    late = ConfigReportData(
        version="0123456789ab", outcome="rejected", reason="invalid", detail="an old push's answer"
    )
    answer(factory, clock, late, clock.now().replace(year=2025))  # replayed from a spool
    assert (desired(factory).reported_version, desired(factory).outcome) == (version, "applied")
