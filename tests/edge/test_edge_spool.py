"""The on-disk spool and its drop policy, on a real SQLite file in tmp_path."""

import sqlite3
from pathlib import Path

import pytest

from contract import topics
from edge.seqranges import chunks, clip, coalesce, merge, subtract
from edge.spool import (
    DROP_ORDER,
    Backoff,
    MessageClass,
    Spool,
    SpoolLocked,
    classify,
)

ROOT = topics.occupancy_topic("quorum", "r1", "t1").rsplit("/", 1)[0]
TOPICS = {
    MessageClass.HEARTBEAT: f"{ROOT}/heartbeat",
    MessageClass.SENSOR: f"{ROOT}/events/sensor",
    MessageClass.OCCUPANCY: f"{ROOT}/occupancy",
    MessageClass.SPEECH: f"{ROOT}/speech/transcript",
    MessageClass.SPOOL_GAP: f"{ROOT}/events/spool_gap",
}


class Adder:
    """Adds messages of one boot with consecutive seqs."""

    def __init__(self, spool: Spool, boot: str = "boot-a") -> None:
        self.spool, self.boot, self.seq = spool, boot, 0

    def __call__(self, cls: MessageClass, size: int = 10) -> int:
        self.seq += 1
        added = self.spool.add(
            boot=self.boot,
            seq=self.seq,
            topic=TOPICS[cls],
            payload=b"x" * size,
            qos=1,
            retain=False,
            cls=cls,
            due_at=0.0,
        )
        return added.id


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "spool.sqlite"


def test_classes_come_from_the_topic() -> None:
    assert {classify(topic) for topic in TOPICS.values()} == set(TOPICS)
    assert classify(f"{ROOT}/speech/action_item") is MessageClass.SPEECH
    assert classify(f"{ROOT}/events/door_bell") is MessageClass.SENSOR
    assert classify("not/a/contract/topic") is MessageClass.OTHER
    assert MessageClass.SPEECH not in DROP_ORDER and MessageClass.SPOOL_GAP not in DROP_ORDER
    assert MessageClass.OTHER not in DROP_ORDER


def test_messages_come_back_in_insertion_order_after_a_reopen(path: Path) -> None:
    spool = Spool(path)
    first, second = Adder(spool, "boot-a"), Adder(spool, "boot-b")
    first(MessageClass.OCCUPANCY)
    second(MessageClass.HEARTBEAT)
    first(MessageClass.SENSOR)
    spool.close()

    again = Spool(path)
    rows = again.unconfirmed()
    assert [(m.boot, m.seq, m.cls) for m in rows] == [
        ("boot-a", 1, MessageClass.OCCUPANCY),
        ("boot-b", 1, MessageClass.HEARTBEAT),
        ("boot-a", 2, MessageClass.SENSOR),
    ]
    assert rows[0].topic == TOPICS[MessageClass.OCCUPANCY] and rows[0].payload == b"x" * 10
    assert again.pending == 3


def test_the_file_is_in_wal_mode_and_checkpointed_on_close(path: Path) -> None:
    spool = Spool(path)
    Adder(spool)(MessageClass.OCCUPANCY)
    spool.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_confirm_deletes_only_the_covered_seqs_of_that_boot(path: Path) -> None:
    spool = Spool(path)
    a, b = Adder(spool, "boot-a"), Adder(spool, "boot-b")
    for _ in range(4):
        a(MessageClass.OCCUPANCY)
        b(MessageClass.OCCUPANCY)

    assert spool.confirm("boot-a", 2) == 2
    assert [(m.boot, m.seq) for m in spool.unconfirmed() if m.boot == "boot-a"] == [
        ("boot-a", 3),
        ("boot-a", 4),
    ]
    assert len([m for m in spool.unconfirmed() if m.boot == "boot-b"]) == 4
    assert spool.confirm("boot-a", 1) == 0  # an old ack changes nothing
    marks = spool.boot_marks("boot-a")
    assert marks is not None and (marks.last_seq, marks.acked_through) == (4, 2)
    assert spool.boot_marks("never") is None
    assert spool.stats().pending == 6


def test_a_full_spool_drops_heartbeats_then_sensor_events_then_occupancy(path: Path) -> None:
    spool = Spool(path, max_messages=10)
    add = Adder(spool)
    kinds = [MessageClass.OCCUPANCY, MessageClass.SENSOR, MessageClass.HEARTBEAT]
    for i in range(10):  # seqs 1..10: O S H O S H O S H O
        add(kinds[i % 3])
    add(MessageClass.OCCUPANCY)  # seq 11: over the bound

    # Down to the low-water mark (9 of 10 with the new one), heartbeats first, oldest first.
    assert [m.seq for m in spool.unconfirmed()] == [1, 2, 4, 5, 7, 8, 9, 10, 11]
    assert spool.stats().dropped == {"heartbeat": 2}

    add(MessageClass.OCCUPANCY)  # 12 fits
    add(MessageClass.OCCUPANCY)  # 13: the last heartbeat, then the oldest sensor event
    assert [m.seq for m in spool.unconfirmed()] == [1, 4, 5, 7, 8, 10, 11, 12, 13]
    for _ in range(4):  # 14 .. 17: the other sensor events, then the oldest occupancy
        add(MessageClass.OCCUPANCY)
    assert [m.seq for m in spool.unconfirmed()] == [7, 10, 11, 12, 13, 14, 15, 16, 17]
    assert spool.stats().dropped == {"heartbeat": 3, "sensor": 3, "occupancy": 2}
    assert spool.stats().dropped_total == 8


def test_drops_report_boot_and_seq_and_counts_survive_a_restart(path: Path) -> None:
    spool = Spool(path, max_messages=10)
    add = Adder(spool, "boot-a")
    for _ in range(10):
        add(MessageClass.OCCUPANCY)
    added = spool.add(
        boot="boot-b",
        seq=1,
        topic=TOPICS[MessageClass.OCCUPANCY],
        payload=b"y",
        qos=1,
        retain=False,
        cls=MessageClass.OCCUPANCY,
        due_at=0.0,
    )
    assert added.dropped == [("boot-a", 1), ("boot-a", 2)]
    assert not added.alarm
    spool.close()

    stats = Spool(path, max_messages=10).stats()
    assert (stats.dropped, stats.dropped_total, stats.pending) == ({"occupancy": 2}, 2, 9)


def test_the_byte_bound_drops_too(path: Path) -> None:
    spool = Spool(path, max_bytes=1000)
    add = Adder(spool)
    for _ in range(10):
        add(MessageClass.HEARTBEAT, size=100)
    add(MessageClass.OCCUPANCY, size=100)
    stats = spool.stats()
    assert stats.payload_bytes <= 1000 and stats.dropped == {"heartbeat": 2}


def test_speech_and_gap_reports_are_never_dropped_but_raise_an_alarm(path: Path) -> None:
    spool = Spool(path, max_messages=5)
    add = Adder(spool)
    add(MessageClass.HEARTBEAT)
    for _ in range(3):
        add(MessageClass.SPEECH)
    add(MessageClass.SPOOL_GAP)
    add(MessageClass.SPEECH)  # full: the heartbeat goes, no alarm yet
    assert spool.stats().alarms == 0
    assert [m.cls for m in spool.unconfirmed()].count(MessageClass.HEARTBEAT) == 0

    added = spool.add(
        boot="boot-a",
        seq=99,
        topic=TOPICS[MessageClass.SPEECH],
        payload=b"minutes",
        qos=1,
        retain=False,
        cls=MessageClass.SPEECH,
        due_at=0.0,
    )
    assert added.alarm and added.dropped == []
    assert spool.pending == 6  # kept over the bound
    assert {m.cls for m in spool.unconfirmed()} == {MessageClass.SPEECH, MessageClass.SPOOL_GAP}

    # A droppable message over the bound is kept too, and is the first to go next time.
    add(MessageClass.HEARTBEAT)
    add(MessageClass.SPEECH)
    assert [m.cls for m in spool.unconfirmed()].count(MessageClass.HEARTBEAT) == 0
    spool.close()
    assert Spool(path, max_messages=5).stats().alarms == 2


def test_sent_messages_fall_due_after_a_doubling_backoff(path: Path) -> None:
    clock = [1000.0]
    spool = Spool(path, now=lambda: clock[0])
    message_id = Adder(spool)(MessageClass.OCCUPANCY)
    backoff = Backoff(base=30.0, cap=100.0)

    spool.mark_sent([(message_id, 1000.0)], backoff)
    assert spool.due(1029.0, 10) == []
    assert [m.id for m in spool.due(1030.0, 10)] == [message_id]

    spool.republished([message_id], due_at=1060.0)  # second attempt, in flight
    [row] = spool.unconfirmed()
    assert (row.attempts, row.sent_at) == (2, None)
    spool.mark_sent([(message_id, 1040.0)], backoff)
    assert spool.due(1099.0, 10) == []  # 2 x 30 s after the broker's ack
    assert len(spool.due(1100.0, 10)) == 1
    spool.republished([message_id], due_at=0.0)
    spool.republished([message_id], due_at=0.0)
    spool.mark_sent([(message_id, 2000.0)], backoff)  # fourth attempt: 240 s capped at 100 s
    assert spool.due(2099.0, 10) == [] and len(spool.due(2100.0, 10)) == 1


def test_only_messages_acked_before_a_time_are_unconfirmed_since_then(path: Path) -> None:
    spool = Spool(path)
    add = Adder(spool)
    early, late, unsent = (add(MessageClass.OCCUPANCY) for _ in range(3))
    spool.mark_sent([(early, 10.0), (late, 20.0)], Backoff(30.0, 60.0))
    assert [m.id for m in spool.unconfirmed(sent_before=15.0)] == [early]
    assert [m.id for m in spool.unconfirmed()] == [early, late, unsent]

    spool.defer_unsent(500.0)
    assert [m.id for m in spool.due(499.0, 10)] == [early, late]


def test_get_returns_held_seqs_of_one_boot_in_seq_order(path: Path) -> None:
    spool = Spool(path)
    a, b = Adder(spool, "boot-a"), Adder(spool, "boot-b")
    for _ in range(6):
        a(MessageClass.OCCUPANCY)
        b(MessageClass.OCCUPANCY)
    spool.confirm("boot-a", 2)
    found = spool.get("boot-a", [(5, 6), (1, 3)])
    assert [(m.boot, m.seq) for m in found] == [("boot-a", 3), ("boot-a", 5), ("boot-a", 6)]


def test_one_process_per_spool(path: Path) -> None:
    spool = Spool(path)
    with pytest.raises(SpoolLocked):
        Spool(path)
    spool.close()
    Spool(path).close()


def test_a_closed_spool_refuses_writes(path: Path) -> None:
    spool = Spool(path)
    spool.close()
    with pytest.raises(sqlite3.Error):
        Adder(spool)(MessageClass.OCCUPANCY)


# -- seq ranges -----------------------------------------------------------------------


def test_coalesce_and_merge() -> None:
    assert coalesce([9, 1, 2, 3, 7, 10, 2]) == [(1, 3), (7, 7), (9, 10)]
    assert coalesce([]) == []
    assert merge([(5, 6), (1, 2), (3, 3), (8, 9), (9, 12)]) == [(1, 3), (5, 6), (8, 12)]


def test_subtract_and_clip_work_on_wide_ranges() -> None:
    assert subtract([(1, 1_000_000)], [2, 3, 999_999]) == [
        (1, 1),
        (4, 999_998),
        (1_000_000, 1_000_000),
    ]
    assert subtract([(3, 4)], [3, 4]) == []
    assert clip([(1, 4), (6, 9), (20, 30)], 3, 8) == [(3, 4), (6, 8)]


def test_chunks() -> None:
    spans = [(i, i) for i in range(5)]
    assert list(chunks(spans, 2)) == [spans[0:2], spans[2:4], spans[4:5]]


def test_only_the_owner_may_read_the_spool(path: Path) -> None:
    spool = Spool(path)
    Adder(spool)(MessageClass.SPEECH)
    assert path.stat().st_mode & 0o077 == 0
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_mode & 0o077 == 0
    spool.close()
