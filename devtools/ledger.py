"""The ledger that judges delivery: what terminals produced against what the hub stored.

Every ``(device, boot, seq)`` a terminal produced is committed to its spool's ``boots``
table together with the message (``last_seq``), so it survives a SIGKILL of the terminal.
The hub must hold exactly ``1..last_seq`` of every boot (less what a ``spool_gap`` said was
given up), each once; and its occupancy history, ordered by device time, in the order the
terminal produced it: boots in the order its spool first recorded them (boot ids order
only to the second, so two starts within one second are ordered by the spool), then seq.
Used by the fault-injection tests and bench/soak.py. SQLite hub databases only.
"""

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

Stream = tuple[str, str]  # (device, boot)


def produced(spool_dir: Path) -> dict[Stream, int]:
    """Every boot's highest seq, from the terminals' spools (readable while they run)."""
    out: dict[Stream, int] = {}
    for path in sorted(spool_dir.glob("*.sqlite")):
        device = path.stem
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            for boot, last_seq in db.execute("SELECT boot, last_seq FROM boots"):
                if last_seq:
                    out[(device, boot)] = int(last_seq)
    return out


def boot_ranks(spool_dir: Path) -> dict[Stream, int]:
    """Each boot's place among its device's boots, in the order the spool first recorded them
    (``boots`` is a rowid table: new rows get a higher rowid than any before)."""
    out: dict[Stream, int] = {}
    for path in sorted(spool_dir.glob("*.sqlite")):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            for boot, rowid in db.execute("SELECT boot, rowid FROM boots"):
                out[(path.stem, boot)] = int(rowid)
    return out


def stored(database: Path) -> dict[Stream, list[int]]:
    found: dict[Stream, list[int]] = defaultdict(list)
    with sqlite3.connect(database, timeout=30) as db:
        query = "SELECT device_id, boot, seq FROM ingested_messages ORDER BY seq"
        for device, boot, seq in db.execute(query):
            found[(device, boot)].append(seq)
    return found


def stored_total(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        (count,) = db.execute("SELECT count(*) FROM ingested_messages").fetchone()
    return int(count)


def given_up(database: Path) -> dict[Stream, set[int]]:
    out: dict[Stream, set[int]] = defaultdict(set)
    with sqlite3.connect(database, timeout=30) as db:
        query = "SELECT device_id, boot, first_seq, last_seq FROM given_up_ranges"
        for device, boot, first, last in db.execute(query):
            out[(device, boot)].update(range(first, last + 1))
    return out


@dataclass
class Verdict:
    produced: int = 0
    stored: int = 0
    lost: int = 0
    given_up: int = 0
    duplicated: int = 0
    unexpected: int = 0  # stored but never produced (by the spools' account)
    out_of_order_devices: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.problems


def judge(spool_dir: Path, database: Path) -> Verdict:
    made, have, skipped = produced(spool_dir), stored(database), given_up(database)
    verdict = Verdict(produced=sum(made.values()))
    verdict.stored = sum(len(seqs) for seqs in have.values())
    for stream, last in made.items():
        seqs = have.get(stream, [])
        gave_up = skipped.get(stream, set())
        expected = set(range(1, last + 1))
        verdict.duplicated += len(seqs) - len(set(seqs))
        verdict.lost += len(expected - set(seqs) - gave_up)
        verdict.given_up += len((expected & gave_up) - set(seqs))
        verdict.unexpected += len(set(seqs) - expected)
    verdict.unexpected += sum(len(seqs) for stream, seqs in have.items() if stream not in made)
    verdict.duplicated += _history_duplicates(database)
    verdict.out_of_order_devices = _out_of_order(database, boot_ranks(spool_dir))
    for name in ("lost", "duplicated", "unexpected"):
        if getattr(verdict, name):
            verdict.problems.append(f"{getattr(verdict, name)} {name}")
    if verdict.out_of_order_devices:
        verdict.problems.append(f"history out of order for {verdict.out_of_order_devices}")
    return verdict


def _history_duplicates(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        (total, distinct) = db.execute(
            "SELECT count(*), (SELECT count(*) FROM"
            " (SELECT DISTINCT device_id, boot, seq FROM occupancy_changes))"
            " FROM occupancy_changes"
        ).fetchone()
    return int(total) - int(distinct)


def _out_of_order(database: Path, ranks: dict[Stream, int]) -> list[str]:
    """Devices whose occupancy history, by device time, is not in production order: boots
    by their ``ranks`` (a boot the spool no longer remembers is older than all it does),
    then seq."""
    with sqlite3.connect(database, timeout=30) as db:
        rows = db.execute(
            "SELECT device_id, boot, seq FROM occupancy_changes ORDER BY device_id, ts, id"
        ).fetchall()
    by_device: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for device, boot, seq in rows:
        by_device[device].append((ranks.get((device, boot), 0), seq))
    return [device for device, keys in by_device.items() if keys != sorted(keys)]
