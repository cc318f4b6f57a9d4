"""Holes below a stream's highest seq: walking the watermark up, timing holes, asking replays.

A stream's watermark moves up over the seqs stored (or given up) just above it; a hole that
stays open longer than the grace gets a replay request for its lowest missing ranges, again
every replay interval. Called per stream when a batch settles it (hub.ingest.watermarks)
and by the periodic :func:`sweep` for streams that went quiet. Apart from the batch-level
watermark code because this is the per-stream rule, with its own pure core
(:func:`missing_ranges`).
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.commands import ReplayCommand
from contract.messages import MAX_GAP_RANGES, SeqRange
from hub.db.models import GivenUpRange, IngestedMessage, IngestStream
from hub.ingest.stream_rows import STORED_PAGE, AnyStream, Prefetch
from hub.ingest.watermark_types import OutgoingCommand, ReplayPolicy


def sweep(
    session: Session, now: datetime, policy: ReplayPolicy = ReplayPolicy()
) -> list[OutgoingCommand]:
    """Time and ask for holes on streams that went quiet: nothing arrives to call advance()."""
    due = now - policy.gap_grace
    # A stream another worker is working on right now is skipped (SKIP LOCKED): that worker
    # settles it itself, and the next sweep looks again. SQLite ignores the clause.
    streams = session.scalars(
        select(IngestStream)
        .where(IngestStream.gap_since.is_not(None), IngestStream.gap_since <= due)
        .order_by(IngestStream.device_id, IngestStream.boot)
        .with_for_update(skip_locked=True)
    ).all()
    commands: list[OutgoingCommand] = []
    for stream in streams:
        commands.extend(settle(session, stream, now, policy))
    return commands


def settle(
    session: Session,
    stream: AnyStream,
    now: datetime,
    policy: ReplayPolicy,
    prefetch: Prefetch | None = None,
) -> list[OutgoingCommand]:
    """Walk the watermark up; if a hole remains, time it and maybe ask for a replay."""
    given_up = _given_up(session, stream, prefetch)
    mark = stream.through_seq
    while True:  # page through what is stored above the mark: a long hole must stay cheap
        page = _stored_above(session, stream, mark, prefetch)
        full = len(page) == STORED_PAGE
        upto = page[-1] if full else stream.highest_seq
        holes = missing_ranges(mark, upto, page, given_up)
        if holes or not full:
            break
        mark = upto
    mark = holes[0][0] - 1 if holes else max(mark, upto)
    progressed = mark > stream.through_seq
    stream.through_seq = mark
    stream.updated_at = now
    if not holes:
        stream.gap_since = None
        return []
    if stream.gap_since is None or progressed:  # a new hole, or what is left of one
        stream.gap_since = now
        stream.replay_requested_at = None
        return []
    if now - stream.gap_since < policy.gap_grace:
        return []
    asked = stream.replay_requested_at
    if asked is not None and now - asked < policy.replay_interval:
        return []
    stream.replay_requested_at = now
    stream.replays_requested += 1
    ranges = [
        SeqRange(first=first, last=last) for first, last in _cap(holes, policy.max_per_request)
    ]
    return [
        OutgoingCommand(
            stream.device_id, stream.room_id, ReplayCommand(boot=stream.boot, ranges=ranges)
        )
    ]


def _cap(holes: list[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
    """The lowest ``budget`` seqs of ``holes``."""
    capped: list[tuple[int, int]] = []
    for first, last in holes:
        if budget <= 0:
            break
        capped.append((first, min(last, first + budget - 1)))
        budget -= capped[-1][1] - first + 1
    return capped


def _stored_above(
    session: Session, stream: AnyStream, mark: int, prefetch: Prefetch | None = None
) -> list[int]:
    fetched = prefetch.stored_above(stream, mark) if prefetch is not None else None
    if fetched is not None:
        return fetched
    return list(
        session.scalars(
            select(IngestedMessage.seq)
            .where(
                IngestedMessage.device_id == stream.device_id,
                IngestedMessage.boot == stream.boot,
                IngestedMessage.seq > mark,
            )
            .order_by(IngestedMessage.seq)
            .limit(STORED_PAGE)
        )
    )


def _given_up(
    session: Session, stream: AnyStream, prefetch: Prefetch | None = None
) -> list[tuple[int, int]]:
    fetched = prefetch.given_up_above(stream) if prefetch is not None else None
    if fetched is not None:
        return fetched
    rows = session.execute(
        select(GivenUpRange.first_seq, GivenUpRange.last_seq).where(
            GivenUpRange.device_id == stream.device_id,
            GivenUpRange.boot == stream.boot,
            GivenUpRange.last_seq > stream.through_seq,
        )
    )
    return [(first, last) for first, last in rows]


def missing_ranges(
    mark: int, upto: int, stored: Iterable[int], given_up: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The holes in ``mark+1 .. upto`` not covered by stored seqs or given-up ranges.

    Works on intervals, never on every integer: a terminal's seq may jump far ahead.
    At most MAX_GAP_RANGES holes, the lowest first.
    """
    covered = sorted(
        [(seq, seq) for seq in stored if seq > mark]
        + [(max(first, mark + 1), last) for first, last in given_up if last > mark]
    )
    holes: list[tuple[int, int]] = []
    next_needed = mark + 1
    for first, last in covered:
        if first > upto or len(holes) == MAX_GAP_RANGES:
            break
        if first > next_needed:
            holes.append((next_needed, first - 1))
        next_needed = max(next_needed, last + 1)
    if next_needed <= upto and len(holes) < MAX_GAP_RANGES:
        holes.append((next_needed, upto))
    return holes
