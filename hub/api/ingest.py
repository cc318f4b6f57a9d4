"""What ingest is doing: counters for staff, the dead letters themselves for admins.

Dead letters are not scoped by department: a message the hub could not use
often has no room it could be attributed to. Facilities staff see counts
only; payloads (which may name any room) are for admins.
"""

import base64
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.api.common import Admin, Limit, Offset, Staff, UtcTime
from hub.db.models import DeadLetter, GivenUpRange, IngestedMessage, IngestStream
from hub.state import IngestDep, SessionDep

router = APIRouter(tags=["ingest"])


class ServiceStats(BaseModel):
    """Counters of the running MQTT consumer since it started (of the worker that answered,
    when several hub workers share ingest)."""

    received: int
    stored: int
    duplicates: int
    dead_letters: int
    dead_letters_by_reason: dict[str, int]
    queue_depth: int
    connected: bool
    last_commit_at: UtcTime | None
    replays_requested: int = Field(description="Replays of missing messages asked for.")


class DeliveryStats(BaseModel):
    """End-to-end delivery from the terminals' spools (docs/contract.md, Delivery)."""

    streams: int = Field(description="Terminal boots the hub has heard from.")
    streams_with_open_gaps: int = Field(
        description="Boots with messages missing below ones already stored."
    )
    messages_missing: int = Field(
        description="Sequence numbers between those boots' watermarks and highest seen."
    )
    replays_requested: int = Field(description="Replay requests sent, all workers, all time.")
    messages_given_up: int = Field(
        description="Messages terminals reported they gave up (a full spool; never speech)."
    )


class StoredStats(BaseModel):
    """Totals in the database, across restarts."""

    messages: int = Field(description="Sequenced messages in the ledger.")
    dead_letters: int
    dead_letters_by_reason: dict[str, int]
    last_dead_letter_at: UtcTime | None


class IngestStatsOut(BaseModel):
    ingest_running: bool = Field(description="false: the hub runs without its MQTT consumer.")
    service: ServiceStats | None = Field(description="null when ingest is not running.")
    stored: StoredStats
    delivery: DeliveryStats


class DeadLetterOut(BaseModel):
    id: int
    received_at: UtcTime
    topic: str
    reason: str
    detail: str
    payload: str = Field(description="The payload as text, or base64 when it is not UTF-8.")
    payload_encoding: str = Field(description="utf-8 | base64")
    payload_bytes: int


class DeadLettersOut(BaseModel):
    total: int
    counts_by_reason: dict[str, int]
    limit: int
    offset: int
    items: list[DeadLetterOut] = Field(description="Newest first.")


def _counts_by_reason(session: Session) -> dict[str, int]:
    query = (
        select(DeadLetter.reason, func.count())
        .group_by(DeadLetter.reason)
        .order_by(DeadLetter.reason)
    )
    return {reason: int(count) for reason, count in session.execute(query)}


def _stored(session: Session) -> StoredStats:
    by_reason = _counts_by_reason(session)
    # max() keeps the column's type, so the value comes back as an aware UTC datetime.
    last: datetime | None = session.scalar(select(func.max(DeadLetter.received_at)))
    return StoredStats(
        messages=int(session.scalar(select(func.count()).select_from(IngestedMessage)) or 0),
        dead_letters=sum(by_reason.values()),
        dead_letters_by_reason=by_reason,
        last_dead_letter_at=last,
    )


def _delivery(session: Session) -> DeliveryStats:
    streams, open_gaps, missing, replays = session.execute(
        select(
            func.count(),
            func.count(IngestStream.gap_since),
            func.coalesce(func.sum(IngestStream.highest_seq - IngestStream.through_seq), 0),
            func.coalesce(func.sum(IngestStream.replays_requested), 0),
        )
    ).one()
    given_up = session.scalar(
        select(func.coalesce(func.sum(GivenUpRange.last_seq - GivenUpRange.first_seq + 1), 0))
    )
    return DeliveryStats(
        streams=int(streams),
        streams_with_open_gaps=int(open_gaps),
        messages_missing=int(missing),
        replays_requested=int(replays),
        messages_given_up=int(given_up or 0),
    )


@router.get("/ingest/stats", summary="Ingest counters, including dead letters by reason")
def ingest_stats(_: Staff, session: SessionDep, ingest: IngestDep) -> IngestStatsOut:
    service = None
    if ingest is not None:
        stats = ingest.stats()
        service = ServiceStats(
            received=stats.received,
            stored=stats.stored,
            duplicates=stats.duplicates,
            dead_letters=stats.dead_letters,
            dead_letters_by_reason=dict(stats.dead_letters_by_reason),
            queue_depth=stats.queue_depth,
            connected=stats.connected,
            last_commit_at=stats.last_commit_at,
            replays_requested=stats.replays_requested,
        )
    return IngestStatsOut(
        ingest_running=ingest is not None,
        service=service,
        stored=_stored(session),
        delivery=_delivery(session),
    )


def _payload(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), "base64"


@router.get("/dead-letters", summary="Messages the hub could not use (newest first)")
def dead_letters(
    _: Admin,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
    reason: str | None = None,
) -> DeadLettersOut:
    counts = _counts_by_reason(session)
    query = select(DeadLetter).order_by(DeadLetter.received_at.desc(), DeadLetter.id.desc())
    if reason is not None:
        query = query.where(DeadLetter.reason == reason)
    items = []
    for row in session.scalars(query.limit(limit).offset(offset)):
        raw = bytes(row.payload or b"")
        text, encoding = _payload(raw)
        items.append(
            DeadLetterOut(
                id=row.id,
                received_at=row.received_at,
                topic=row.topic,
                reason=row.reason,
                detail=row.detail,
                payload=text,
                payload_encoding=encoding,
                payload_bytes=len(raw),
            )
        )
    total = counts.get(reason, 0) if reason is not None else sum(counts.values())
    return DeadLettersOut(
        total=total, counts_by_reason=counts, limit=limit, offset=offset, items=items
    )
