"""Deleting the expired rows of one table: what the retention classes share.

Every function takes the cutoff (rows from before it have expired; a row stamped exactly at
the cutoff is kept) and ``dry_run`` (count, delete nothing), and returns how many rows were
(or would be) deleted. Nothing is committed here: the run commits once, at the end.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from hub.db.models import GivenUpRange, IngestedMessage, IngestStream


def delete_where(session: Session, model: Any, where: ColumnElement[bool], dry_run: bool) -> int:
    """Delete (or count) the rows of ``model`` matching ``where``."""
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)
    result = session.execute(delete(model).where(where))
    return int(getattr(result, "rowcount", 0) or 0)


def older_than(session: Session, model: Any, column: str, cutoff: datetime, dry_run: bool) -> int:
    """Rows whose ``column`` is before the cutoff."""
    return delete_where(session, model, getattr(model, column) < cutoff, dry_run)


def older_but_newest(
    session: Session,
    model: Any,
    column: str,
    group: tuple[str, ...],
    cutoff: datetime,
    dry_run: bool,
) -> int:
    """Rows before the cutoff, except the newest one of each ``group`` before it.

    The newest row before the cutoff is the state the retained history starts from (a room
    vacant since a change months ago is still known to be vacant); without it, everything
    after the cutoff would begin as "unknown". The rows deleted are those with a newer row
    of the same group that is itself before the cutoff."""
    newer = aliased(model)
    ts, newer_ts = getattr(model, column), getattr(newer, column)
    same_group = [getattr(newer, name) == getattr(model, name) for name in group]
    has_newer = exists().where(
        *same_group,
        newer_ts < cutoff,
        or_(newer_ts > ts, and_(newer_ts == ts, newer.id > model.id)),
    )
    return delete_where(session, model, and_(ts < cutoff, has_newer), dry_run)


def ingest_log(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """The ingest ledger and the ranges terminals gave up, once acknowledged.

    A ledger row is what makes a re-sent message a duplicate, so only rows the hub has
    acknowledged to their terminal (``seq`` at or below the stream's ``through_seq``, which
    the terminal then deletes from its spool) are deleted; a given-up range matters only
    above ``through_seq`` too."""
    ledger_waiting = exists().where(
        IngestStream.device_id == IngestedMessage.device_id,
        IngestStream.boot == IngestedMessage.boot,
        IngestStream.through_seq < IngestedMessage.seq,
    )
    range_waiting = exists().where(
        IngestStream.device_id == GivenUpRange.device_id,
        IngestStream.boot == GivenUpRange.boot,
        IngestStream.through_seq < GivenUpRange.last_seq,
    )
    messages = delete_where(
        session,
        IngestedMessage,
        and_(IngestedMessage.stored_at < cutoff, ~ledger_waiting),
        dry_run,
    )
    ranges = delete_where(
        session, GivenUpRange, and_(GivenUpRange.reported_at < cutoff, ~range_waiting), dry_run
    )
    return messages + ranges
