"""Speech in the terminal's spool is sealed: the file never holds the words, a record opens
only in its own row and with the spool's key, and a spool from before sealing is sealed
when it is opened."""

import logging
import sqlite3
from pathlib import Path

import orjson
import pytest

from common.sealing.master_keys import MasterKeyError
from contract.topics import heartbeat_topic, speech_topic
from edge.spool import MessageClass, Spool, classify
from edge.spool_sealing import SpoolKeyMismatch, SpoolSealer, default_key_file

BOOT = "20260106T110000-aaaa0001"
SAID = "the xylophonic quokka is our codename"
TRANSCRIPT = speech_topic("quorum", "hq-f1-aurora", "term-hq-f1-aurora", "transcript")
HEARTBEAT = heartbeat_topic("quorum", "hq-f1-aurora", "term-hq-f1-aurora")


def transcript(seq: int, text: str = SAID, session: str = "s1") -> bytes:
    data = {"session": session, "segment": seq, "text": text}
    return orjson.dumps({"v": 1, "type": "transcript", "seq": seq, "data": data})


def add(spool: Spool, seq: int, topic: str = TRANSCRIPT, payload: bytes | None = None) -> None:
    spool.add(
        boot=BOOT,
        seq=seq,
        topic=topic,
        payload=transcript(seq) if payload is None else payload,
        qos=1,
        retain=False,
        cls=classify(topic),
        due_at=0.0,
    )


def file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_speech_is_sealed_on_disk_and_published_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite"
    spool = Spool(path)
    add(spool, 1)
    add(spool, 2, HEARTBEAT, b'{"type": "heartbeat", "quokka": false}')
    assert b"xylophonic" not in file_bytes(path)
    by_seq = {m.seq: m for m in spool.unconfirmed()}
    assert by_seq[1].payload == transcript(1) and by_seq[1].cls is MessageClass.SPEECH
    assert [m.payload for m in spool.get(BOOT, [(1, 1)])] == [transcript(1)]
    # Occupancy traffic is not meeting content: it stays as it is.
    assert b"quokka" in file_bytes(path)
    spool.close()
    assert b"xylophonic" not in file_bytes(path)
    key_file = default_key_file(path)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert Spool(path).unconfirmed()[0].payload == transcript(1)  # the same key next time


def test_a_changed_or_moved_record_is_left_out_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "spool.sqlite"
    spool = Spool(path)
    for seq in (1, 2, 3):
        add(spool, seq)
    db = sqlite3.connect(path)
    (first,) = db.execute("SELECT payload FROM outbox WHERE seq = 1").fetchone()
    tampered = bytearray(first)
    tampered[30] ^= 0x01
    with db:
        db.execute("UPDATE outbox SET payload = ? WHERE seq = 1", (bytes(tampered),))
        db.execute("UPDATE outbox SET payload = ? WHERE seq = 2", (first,))  # another row's
    db.close()
    with caplog.at_level(logging.ERROR, logger="edge.spool"):
        assert [m.seq for m in spool.unconfirmed()] == [3]
    assert sum("cannot be opened" in r.getMessage() for r in caplog.records) == 2
    assert spool.pending == 3  # kept on disk, for whoever looks into it


def test_another_key_file_is_refused_without_losing_the_spool(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite"
    spool = Spool(path)
    add(spool, 1)
    spool.close()
    other = SpoolSealer.from_file(tmp_path / "other.key")
    with pytest.raises(SpoolKeyMismatch, match="restore that key file"):
        Spool(path, sealer=other)
    assert Spool(path).unconfirmed()[0].payload == transcript(1)


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "spool.key"
    SpoolSealer.from_file(key_file)
    key_file.chmod(0o640)
    with pytest.raises(MasterKeyError, match="chmod 600"):
        Spool(tmp_path / "spool.sqlite", sealer=SpoolSealer.from_file(key_file))


_VERSION_1 = """
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, boot TEXT NOT NULL, seq INTEGER NOT NULL,
    topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,
    cls TEXT NOT NULL, size INTEGER NOT NULL, created_at REAL NOT NULL, tried_at REAL NOT NULL,
    sent_at REAL, due_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 1, UNIQUE (boot, seq)
);
CREATE TABLE boots (boot TEXT PRIMARY KEY, last_seq INTEGER NOT NULL DEFAULT 0,
    acked_through INTEGER NOT NULL DEFAULT 0);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
PRAGMA user_version = 1;
"""


def test_a_spool_from_before_sealing_is_sealed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "spool.sqlite"
    db = sqlite3.connect(path)
    db.executescript(_VERSION_1)
    with db:
        db.execute(
            "INSERT INTO outbox (boot, seq, topic, payload, qos, retain, cls, size, created_at,"
            " tried_at, due_at) VALUES (?, 1, ?, ?, 1, 0, 'speech', 10, 0, 0, 0)",
            (BOOT, TRANSCRIPT, transcript(1)),
        )
    db.close()
    path.chmod(0o600)
    assert b"xylophonic" in file_bytes(path)
    spool = Spool(path)
    assert b"xylophonic" not in file_bytes(path)
    assert spool.unconfirmed()[0].payload == transcript(1)
    add(spool, 2)
    assert spool.purge_session("s1") == 2  # sealed rows are still found by their session
