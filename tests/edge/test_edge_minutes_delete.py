"""Deleting a session: its unconfirmed messages leave the real spool, its recording is
deleted, ``minutes_deleted`` answers; the purged seqs are then given up on replay."""

from pathlib import Path
from typing import Any

import pytest
from paho.mqtt.enums import MQTTErrorCode

from common.clock import FakeClock
from contract.commands import MinutesCommand
from contract.messages import decode
from contract.minutes_data import MinutesDeletedData
from edge.delivery import Deliverer
from edge.minutes import SessionOptions
from edge.publisher import Identity, MessageBuilder, Publisher, Sequencer
from edge.spool import Spool
from tests.edge.test_edge_minutes import WAIT_S, RecordingSink, Rig

BOOT = "20261127T085957-3fa2c1d0"


class TrackedReceipt:
    def __init__(self, mid: int) -> None:
        self.mid = mid
        self.rc = MQTTErrorCode.MQTT_ERR_SUCCESS

    def wait_for_publish(self, timeout: float | None = None) -> None:
        return None

    def is_published(self) -> bool:
        return True


class Wire(RecordingSink):
    """The broker: takes every publish, with a paho-like receipt."""

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> Any:
        super().publish(topic, payload, qos, retain)
        return TrackedReceipt(len(self.sent))


@pytest.fixture
def spooled(tmp_path: Path) -> Any:
    spool = Spool(tmp_path / "spool.sqlite")
    wire = Wire()
    deliverer = Deliverer(wire, spool)
    clock = FakeClock()
    identity = Identity("quorum", "hq-f1-aurora", "term-hq-f1-aurora", BOOT)
    publisher = Publisher(MessageBuilder(identity, Sequencer()), wire, clock, deliverer)
    rig = Rig(tmp_path, record=True, publisher=publisher)
    rig.sink = wire
    yield rig, spool, deliverer
    spool.close()


def session(rig: Rig) -> str:
    rig.minutes.start(SessionOptions(reason="hub_command"))
    rig.wait_streaming()
    rig.minutes.stop("hub_command")
    assert rig.minutes.wait_idle(WAIT_S)
    return rig.sessions()[-1].session


def test_a_delete_purges_the_spool_and_the_recording(spooled: Any) -> None:
    rig, spool, deliverer = spooled
    first, second = session(rig), session(rig)
    before = spool.pending
    assert len(list(rig.record_dir.glob("*.wav"))) == 2

    rig.minutes.handle(MinutesCommand(action="delete", session=first))

    # started, 4 transcript segments, stopped: gone; the other session and the flags stay.
    assert spool.pending == before - 6 + 1  # + the minutes_deleted answer
    left = [decode(m.topic, m.payload) for m in spool.unconfirmed()]
    assert all(
        getattr(m.data, "session", None) != first or m.envelope.type == "minutes_deleted"
        for m in left
    )
    assert sum(getattr(m.data, "session", None) == second for m in left) == 6
    assert [p.name for p in rig.record_dir.glob("*.wav")] == [f"minutes-{second}.wav"]
    answer = rig.messages(MinutesDeletedData)[-1]
    assert answer.data == MinutesDeletedData(session=first, purged_messages=6, recordings_deleted=1)
    # The hub asks for what it missed: the purged seqs are given up (not_in_spool), not retried.
    purged = [
        m.envelope.seq
        for m in rig.messages()
        if getattr(m.data, "session", None) == first and m.envelope.type != "minutes_deleted"
    ]
    missing = deliverer.replay(BOOT, [(1, answer.envelope.seq)])
    assert sorted(s for first_, last in missing for s in range(first_, last + 1)) == purged


def test_deleting_the_running_session_stops_it_without_minutes(spooled: Any) -> None:
    rig, spool, _ = spooled
    made: list[object] = []
    rig.minutes._extract = lambda *a, **k: made.append(a)
    rig.minutes.start(SessionOptions(reason="hub_command"))
    rig.wait_streaming()
    running = rig.minutes.session_id
    rig.minutes.handle(MinutesCommand(action="delete", session=running))
    assert not rig.minutes.running and made == []
    assert [rig.sessions()[-1].state] == ["stopped"]
    assert spool.pending == 1 + sum(  # the answer, and speech-activity flags (not speech)
        m.envelope.type == "speech_activity" for m in rig.messages()
    )
    assert list(rig.record_dir.glob("*.wav")) == []
    assert rig.messages(MinutesDeletedData)[-1].data.purged_messages >= 6  # type: ignore[attr-defined]


def test_an_unknown_session_is_answered_with_zeros(spooled: Any) -> None:
    rig, spool, _ = spooled
    rig.minutes.handle(MinutesCommand(action="delete", session="20261127T090300-5be2a7f1"))
    (answer,) = rig.messages(MinutesDeletedData)
    assert answer.data == MinutesDeletedData(
        session="20261127T090300-5be2a7f1", purged_messages=0, recordings_deleted=0
    )
    assert spool.pending == 1
    # A repeated delete does not purge the earlier answer.
    rig.minutes.handle(MinutesCommand(action="delete", session="20261127T090300-5be2a7f1"))
    assert spool.pending == 2
