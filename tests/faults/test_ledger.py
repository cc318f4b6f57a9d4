"""The ledger's verdict on small hand-made spools and hub databases (no processes)."""

import sqlite3
from pathlib import Path

from devtools.ledger import judge

# Two boots started within one second: their ids order by the random part only, and here
# the later boot's id sorts first.
EARLY, LATE = "20261127T120000-ffff0000", "20261127T120000-0000ffff"


def make_spool(spool_dir: Path, device: str, boots: list[tuple[str, int]]) -> None:
    spool_dir.mkdir(exist_ok=True)
    with sqlite3.connect(spool_dir / f"{device}.sqlite") as db:
        db.execute("CREATE TABLE boots (boot TEXT PRIMARY KEY, last_seq INTEGER)")
        db.executemany("INSERT INTO boots VALUES (?, ?)", boots)


def make_hub(path: Path, history: list[tuple[str, str, int, str]]) -> Path:
    """``history``: (device, boot, seq, device time) of each stored occupancy change."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE ingested_messages (device_id, boot, seq)")
        db.execute("CREATE TABLE given_up_ranges (device_id, boot, first_seq, last_seq)")
        db.execute(
            "CREATE TABLE occupancy_changes (id INTEGER PRIMARY KEY, device_id, boot, seq, ts)"
        )
        for device, boot, seq, ts in history:
            db.execute("INSERT INTO ingested_messages VALUES (?, ?, ?)", (device, boot, seq))
            db.execute(
                "INSERT INTO occupancy_changes (device_id, boot, seq, ts) VALUES (?, ?, ?, ?)",
                (device, boot, seq, ts),
            )
    return path


def test_boots_of_one_second_are_ordered_by_the_spool_not_by_their_ids(tmp_path: Path) -> None:
    make_spool(tmp_path / "spools", "t1", [(EARLY, 2), (LATE, 1)])
    database = make_hub(
        tmp_path / "hub.db",
        [
            ("t1", LATE, 1, "2026-11-27 12:00:00.900000"),  # arrived first, happened last
            ("t1", EARLY, 1, "2026-11-27 12:00:00.100000"),
            ("t1", EARLY, 2, "2026-11-27 12:00:00.200000"),
        ],
    )
    verdict = judge(tmp_path / "spools", database)
    assert verdict.exact, verdict.problems


def test_history_against_production_order_is_reported(tmp_path: Path) -> None:
    make_spool(tmp_path / "spools", "t1", [(EARLY, 2), (LATE, 1)])
    database = make_hub(
        tmp_path / "hub.db",
        [
            ("t1", EARLY, 1, "2026-11-27 12:00:00.100000"),
            ("t1", EARLY, 2, "2026-11-27 12:00:00.950000"),  # after the next boot's change
            ("t1", LATE, 1, "2026-11-27 12:00:00.900000"),
        ],
    )
    verdict = judge(tmp_path / "spools", database)
    assert verdict.out_of_order_devices == ["t1"]


def test_lost_and_duplicated_messages_are_counted(tmp_path: Path) -> None:
    make_spool(tmp_path / "spools", "t1", [(EARLY, 3)])
    database = make_hub(
        tmp_path / "hub.db",
        [
            ("t1", EARLY, 1, "2026-11-27 12:00:00.100000"),
            ("t1", EARLY, 1, "2026-11-27 12:00:00.100000"),
        ],
    )
    verdict = judge(tmp_path / "spools", database)
    assert (verdict.lost, verdict.duplicated, verdict.exact) == (2, 2, False)
