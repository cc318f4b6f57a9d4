"""Smaller pieces of ingest: the ledger's portable path, rate-limited logging, stats."""

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from hub.db.models import Device
from hub.ingest import ledger
from hub.ingest.devices import load_devices, note_seen, write_devices
from hub.ingest.ratelog import RateLimitedLog
from hub.ingest.stats import StatsTally

NOW = datetime(2026, 1, 5, 8, tzinfo=UTC)


def _row(seq: int, device: str = "term-hq-f1-aurora", boot: str = "b1") -> dict[str, object]:
    return {
        "device_id": device,
        "boot": boot,
        "seq": seq,
        "type": "sensor",
        "ts": NOW,
        "received_at": NOW,
        "stored_at": NOW,
    }


@pytest.mark.parametrize("portable", [False, True], ids=["on-conflict", "look-up-first"])
def test_ledger_inserts_only_new_keys(
    portable: bool, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    if portable:  # what a database without ON CONFLICT ... RETURNING gets
        monkeypatch.setattr(ledger, "_INSERT_IGNORING_CONFLICTS", {})
    with session_factory() as session, session.begin():
        assert ledger.insert_new(session, [_row(1), _row(2), _row(5)]) == {
            ("term-hq-f1-aurora", "b1", s) for s in (1, 2, 5)
        }
    with session_factory() as session, session.begin():
        new = ledger.insert_new(session, [_row(2), _row(3), _row(5), _row(2, boot="b2")])
        assert new == {("term-hq-f1-aurora", "b1", 3), ("term-hq-f1-aurora", "b2", 2)}
        assert ledger.insert_new(session, []) == set()
    with session_factory() as session:
        keys = [("term-hq-f1-aurora", "b1", s) for s in range(1, 7)]
        assert ledger.stored_keys(session, keys) == {keys[0], keys[1], keys[2], keys[4]}


def test_rate_limited_log_writes_one_line_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    log = RateLimitedLog(logging.getLogger("test.ratelog"), clock, interval_s=10)
    with caplog.at_level(logging.WARNING, logger="test.ratelog"):
        assert log.warning("bad", "bad message %d", 1)
        assert not any(log.warning("bad", "bad message %d", n) for n in range(2, 500))
        assert log.warning("other", "another kind")  # keys are limited separately
        clock.advance(10)
        assert log.warning("bad", "bad message %d", 500)
    assert [r.getMessage() for r in caplog.records] == [
        "bad message 1",
        "another kind",
        "bad message 500 (and 498 more like it in the last 10 s)",
    ]


def test_stats_tally_adds_up() -> None:
    tally = StatsTally()
    for _ in range(5):
        tally.count_received()
    tally.count_committed(stored=2, duplicates=1, dead=Counter({"malformed_json": 2}), at=NOW)
    stats = tally.snapshot(queue_depth=0, connected=True)
    assert (stats.received, stats.stored, stats.duplicates, stats.dead_letters) == (5, 2, 1, 2)
    assert stats.dead_letters_by_reason == {"malformed_json": 2}
    assert stats.last_commit_at == NOW and stats.connected


def test_device_write_back_never_moves_last_seen_or_boot_backwards(
    session_factory: sessionmaker[Session],
) -> None:
    later_boot, newest_boot = "20260105T090000-bbbb0002", "20260105T100000-cccc0003"
    with session_factory() as session:
        devices = load_devices(session, ["term-hq-f1-aurora"])
    with session_factory() as session, session.begin():  # meanwhile, another hub worker
        row = session.get(Device, "term-hq-f1-aurora")
        assert row is not None
        row.last_seen_at, row.boot = NOW + timedelta(hours=1), later_boot
    device = devices["term-hq-f1-aurora"]
    note_seen(device, NOW, "20260105T075900-aaaa0001")
    with session_factory() as session, session.begin():
        write_devices(session, devices.values(), [])
    with session_factory() as session:
        row = session.get(Device, "term-hq-f1-aurora")
        assert row is not None
        assert (row.last_seen_at, row.boot) == (NOW + timedelta(hours=1), later_boot)

    note_seen(device, NOW + timedelta(hours=2), newest_boot)
    with session_factory() as session, session.begin():
        write_devices(session, devices.values(), [])
    with session_factory() as session:
        row = session.get(Device, "term-hq-f1-aurora")
        assert row is not None
        assert (row.last_seen_at, row.boot) == (NOW + timedelta(hours=2), newest_boot)
