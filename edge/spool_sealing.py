"""Sealing the spool's speech messages: what was said in the room is never in the spool
file in the clear.

AES-256-GCM with the terminal's spool key (a key file, 32 random bytes, mode 0600, made on
first start if absent: ``spool.key_file``, by default next to the spool). Each record gets
a fresh nonce; its boot, seq and topic are the associated data, so a sealed payload moved to
another row does not open. The publisher opens a message just before publishing it: on the
wire it is protected by the broker connection (TLS), not by this key.

The key file protects the spool file on its own (a copied SD-card image of the data
partition, a backup, a support bundle); keep the key elsewhere (``spool.key_file`` on
another medium, a systemd credential) to protect against someone who has both.
"""

import hashlib
import hmac
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from common.sealing.envelope import associated_data, open_sealed, seal
from common.sealing.master_keys import load_or_create_key_file


class SpoolKeyMismatch(RuntimeError):
    """The spool holds messages sealed with another key than the key file's."""


def default_key_file(spool_path: Path) -> Path:
    return spool_path.with_name(spool_path.name + ".key")


class SpoolSealer:
    def __init__(self, key: bytes, source: str = "the spool key") -> None:
        self._key = key
        self.source = source
        digest = hmac.new(key, b"quorum spool key id", hashlib.sha256).hexdigest()
        self.key_id = f"spool:{digest[:16]}"

    @classmethod
    def from_file(cls, path: Path) -> "SpoolSealer":
        """The key in ``path``, made there (mode 0600) on first use."""
        return cls(load_or_create_key_file(path), f"the spool key in {path}")

    def seal(self, boot: str, seq: int, topic: str, payload: bytes) -> bytes:
        return seal(self._key, payload, _aad(boot, seq, topic))

    def open(self, boot: str, seq: int, topic: str, envelope: bytes) -> bytes:
        """The payload, or :class:`~common.sealing.envelope.SealError`."""
        return open_sealed(self._key, envelope, _aad(boot, seq, topic))


def _aad(boot: str, seq: int, topic: str) -> bytes:
    return associated_data("quorum-spool-v1", boot, str(seq), topic)


def adopt_key(db: sqlite3.Connection, sealer: SpoolSealer, classes: Iterable[str]) -> int:
    """At start-up, in a transaction: check that sealed rows are the key file's, note its
    id, and seal the rows of ``classes`` still in the clear (a spool from before sealing).
    Returns how many rows were sealed now."""
    classes = tuple(classes)
    row = db.execute("SELECT value FROM meta WHERE name = 'key_id'").fetchone()
    (sealed,) = db.execute("SELECT COUNT(*) FROM outbox WHERE sealed = 1").fetchone()
    if row is not None and row[0] != sealer.key_id and sealed:
        raise SpoolKeyMismatch(
            f"the spool holds {sealed} messages sealed with key {row[0]}, but {sealer.source} "
            f"is {sealer.key_id}: restore that key file (spool.key_file), or move the spool "
            "aside to start with an empty one (its messages are then lost)"
        )
    db.execute(
        "INSERT INTO meta (name, value) VALUES ('key_id', ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (sealer.key_id,),
    )
    marks = ",".join("?" for _ in classes) or "NULL"
    rows = db.execute(
        f"SELECT id, boot, seq, topic, payload FROM outbox WHERE sealed = 0 AND cls IN ({marks})",
        tuple(classes),
    ).fetchall()
    db.executemany(
        "UPDATE outbox SET payload = ?, sealed = 1 WHERE id = ?",
        [
            (sealer.seal(boot, seq, topic, bytes(payload)), i)
            for i, boot, seq, topic, payload in rows
        ],
    )
    return len(rows)
