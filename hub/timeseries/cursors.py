"""Where each source has got to: durable in ``timeseries_cursors``, or in memory.

:class:`SqlCursors` moves a cursor with a compare-and-set update: if another process
moved it meanwhile (two exporters by mistake, or the CLI next to a hub on SQLite), the
update changes nothing and the caller reads the cursor again. A cursor therefore never
goes backwards by accident, and at worst some points are written twice, which the
server treats as the same point (same series and timestamp).
"""

from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db.models import TimeSeriesCursor


class Cursors(Protocol):
    def get(self, session: Session, name: str) -> int: ...

    def advance(self, session: Session, name: str, old: int, new: int, now: datetime) -> bool:
        """Set ``name`` from ``old`` to ``new`` and commit; False if it was no longer ``old``."""
        ...


class SqlCursors:
    def get(self, session: Session, name: str) -> int:
        value = session.scalar(
            select(TimeSeriesCursor.last_id).where(TimeSeriesCursor.name == name)
        )
        return int(value or 0)

    def advance(self, session: Session, name: str, old: int, new: int, now: datetime) -> bool:
        if new == old:
            return True
        result = session.execute(
            update(TimeSeriesCursor)
            .where(TimeSeriesCursor.name == name, TimeSeriesCursor.last_id == old)
            .values(last_id=new, updated_at=now)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            session.commit()
            return True
        session.rollback()
        if old != 0 or self.get(session, name) != 0:
            return False
        # No row yet: the first advance creates it (a concurrent creator wins the race).
        session.add(TimeSeriesCursor(name=name, last_id=new, updated_at=now))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
        return True

    def set(self, session: Session, name: str, value: int, now: datetime) -> None:
        """Overwrite a cursor (operators rewinding by hand; not used by the exporter)."""
        row = session.get(TimeSeriesCursor, name)
        if row is None:
            session.add(TimeSeriesCursor(name=name, last_id=value, updated_at=now))
        else:
            row.last_id, row.updated_at = value, now
        session.commit()


class MemoryCursors:
    """Cursors of one run only (``backfill --since``): the stored ones are left alone."""

    def __init__(self, start: dict[str, int] | None = None) -> None:
        self.values: dict[str, int] = dict(start or {})

    def get(self, session: Session, name: str) -> int:
        return self.values.get(name, 0)

    def advance(self, session: Session, name: str, old: int, new: int, now: datetime) -> bool:
        if self.values.get(name, 0) != old:
            return False
        self.values[name] = new
        return True
