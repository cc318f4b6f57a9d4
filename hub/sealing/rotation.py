"""Master key rotation: every meeting key wrapped by the old master key is unwrapped and
wrapped again by the new one. The data itself is not touched (its keys do not change).

Batches of :data:`BATCH` keys, each batch committed: a rotation stopped half-way is simply
run again (keys already under the new master key are skipped). Hub workers must be stopped
meanwhile: a key a running worker makes with the old master key after the rotation passed
would be left behind (a second run catches it).
"""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, update

from common.sealing.master_keys import KeyProvider
from hub.sealing.keys import MEETING_KEYS, wrapping_aad

BATCH = 500


@dataclass
class RotationReport:
    rewrapped: int = 0
    already_new: int = 0
    # Keys wrapped by neither master key: they cannot be rotated with these two.
    other: dict[str, int] = field(default_factory=dict)


def keys_by_master(engine: Engine) -> Counter[str]:
    """How many meeting keys each master key wraps."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(MEETING_KEYS.c.master_key_id, func.count()).group_by(
                MEETING_KEYS.c.master_key_id
            )
        )
        return Counter({str(master): int(count) for master, count in rows})


def rotate(engine: Engine, old: KeyProvider, new: KeyProvider) -> RotationReport:
    if old.key_id == new.key_id:
        raise ValueError(f"the new master key is the configured one ({old.key_id})")
    report = RotationReport()
    after = ""
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select(
                    MEETING_KEYS.c.scope, MEETING_KEYS.c.department_id, MEETING_KEYS.c.wrapped_key
                )
                .where(MEETING_KEYS.c.master_key_id == old.key_id, MEETING_KEYS.c.scope > after)
                .order_by(MEETING_KEYS.c.scope)
                .limit(BATCH)
            ).all()
            for scope, department, wrapped in rows:
                aad = wrapping_aad(scope, department)
                key = old.unwrap(bytes(wrapped), aad)
                connection.execute(
                    update(MEETING_KEYS)
                    .where(MEETING_KEYS.c.scope == scope)
                    .values(wrapped_key=new.wrap(key, aad), master_key_id=new.key_id)
                )
        report.rewrapped += len(rows)
        if len(rows) < BATCH:
            break
        after = rows[-1].scope
    counts = keys_by_master(engine)
    report.already_new = counts.pop(new.key_id, 0) - report.rewrapped
    counts.pop(old.key_id, None)
    report.other = dict(counts)
    return report


def check_master_key(engine: Engine, master: KeyProvider) -> str | None:
    """Why the configured master key cannot be the right one, or None.

    A database whose meeting keys are all wrapped by other master keys was set up with
    another key file: refusing to start says so at once, instead of failing on every read.
    """
    counts = keys_by_master(engine)
    if not counts or counts.get(master.key_id):
        return None
    others = ", ".join(f"{k} ({v} keys)" for k, v in sorted(counts.items()))
    return (
        f"the configured master key {master.key_id} wraps none of this database's meeting "
        f"keys, which are wrapped by {others}: configure the key file they were made with"
    )
