"""Per terminal boot: the contiguous watermark acknowledged back, and holes to ask a replay for.

A QoS 1 PUBACK covers one hop; the broker may still drop a message on its way to
the hub (a full subscriber queue, a broker killed with its queue in memory). The
terminal therefore keeps every message in its spool until the hub's watermark for
that boot covers it, and the hub asks for the missing ranges when it holds later
messages above a hole that stays open for ``gap_grace_s`` (a short wait, because
messages of one device can arrive out of order across hub workers or batches).

Everything here runs inside the writer's transaction, so a watermark is never
ahead of what is committed; the commands it returns are published after the commit.

The value types are in hub.ingest.watermark_types, the batched row reads and writes in
hub.ingest.stream_rows, and the per-stream hole and replay rule in hub.ingest.replays; this
module settles a batch's streams.
"""

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import bindparam, case, update
from sqlalchemy.orm import Session

from contract.commands import AckCommand
from hub.db.models import IngestStream
from hub.ingest.replays import settle
from hub.ingest.stream_rows import Prefetch, locked_streams, record_given_up, write_streams
from hub.ingest.watermark_types import (
    Advanced,
    MarkCache,
    OutgoingCommand,
    ReplayPolicy,
    StreamKey,
    StreamMark,
    StreamTouch,
)


def advance(
    session: Session,
    touched: Mapping[StreamKey, StreamTouch],
    now: datetime,
    policy: ReplayPolicy = ReplayPolicy(),
    cache: MarkCache | None = None,
    defer: Callable[[StreamKey], bool] | None = None,
) -> Advanced:
    """Record given-up ranges, move watermarks, and return an ack for every touched stream.

    Every touched stream gets an ack, even when its watermark did not move: a duplicate
    means the terminal re-sent something, so it has not heard the last ack.

    Streams the cache cannot settle are read in a few batched queries, not a few per
    stream: with several hub workers each one sees every stream with holes (the other
    workers hold the rest of its seqs), so this is their common case. Those for which
    ``defer`` says so are not settled now but returned in ``deferred``, for
    :func:`settle_deferred` once their ack is due: acks go out at most every 0.5 s per
    stream (hub.ingest.acks), so settling a stream in every batch would be wasted work.
    """
    out = Advanced()
    in_order: list[dict[str, object]] = []
    slow: dict[StreamKey, StreamTouch] = {}
    for key, touch in sorted(touched.items()):
        mark = _in_order_mark(cache.get(key) if cache else None, touch)
        if mark is not None:  # the common case of one worker: no reads, one batched UPDATE
            in_order.append({"d": key[0], "b": key[1], "m": mark.through_seq, "now": now})
            out.marks[key] = mark
        elif defer is not None and defer(key):
            out.deferred[key] = touch
        else:
            slow[key] = touch
    record_given_up(session, {**slow, **out.deferred}, now)
    settled: dict[StreamKey, list[OutgoingCommand]] = {}
    if slow:
        streams = locked_streams(session, slow, now)
        prefetch = Prefetch.load(session, streams)
        for key, stream in streams.items():
            settled[key] = settle(session, stream, now, policy, prefetch)
            out.marks[key] = StreamMark(stream.through_seq, stream.highest_seq)
        write_streams(session, streams.values())
    for key, touch in sorted(touched.items()):
        if key in out.deferred:
            continue
        out.commands.extend(settled.get(key, []))
        ack = AckCommand(boot=key[1], through_seq=out.marks[key].through_seq)
        out.commands.append(OutgoingCommand(key[0], touch.room_id, ack))
    if in_order:
        session.connection().execute(_RAISE_MARK, in_order)
    return out


def settle_deferred(
    session: Session,
    deferred: Mapping[StreamKey, StreamTouch],
    now: datetime,
    policy: ReplayPolicy = ReplayPolicy(),
) -> Advanced:
    """Settle streams an earlier :func:`advance` deferred: watermarks, holes, and their acks."""
    return advance(session, deferred, now, policy)


def _in_order_mark(cached: StreamMark | None, touch: StreamTouch) -> StreamMark | None:
    """The new mark if this batch only extends a hole-free cached stream, else None."""
    if cached is None or touch.given_up or cached.through_seq != cached.highest_seq:
        return None
    seqs = sorted(touch.new_seqs)
    if seqs != list(range(cached.through_seq + 1, cached.through_seq + 1 + len(seqs))):
        return None
    if touch.highest_seq > cached.through_seq + len(seqs):
        return None  # a duplicate from above the mark: the cache is behind, ask the database
    through = cached.through_seq + len(seqs)
    return StreamMark(through, through)


# Raise, never lower: another worker may have moved the same stream further meanwhile.
_RAISE_MARK = (
    update(IngestStream)
    .where(IngestStream.device_id == bindparam("d"), IngestStream.boot == bindparam("b"))
    .values(
        through_seq=case(
            (IngestStream.through_seq < bindparam("m"), bindparam("m")),
            else_=IngestStream.through_seq,
        ),
        highest_seq=case(
            (IngestStream.highest_seq < bindparam("m"), bindparam("m")),
            else_=IngestStream.highest_seq,
        ),
        updated_at=bindparam("now"),
    )
)


# The watermark vocabulary, also importable from here (hub.ingest.apply does).
__all__ = [
    "MarkCache",
    "OutgoingCommand",
    "ReplayPolicy",
    "StreamKey",
    "StreamMark",
    "StreamTouch",
    "advance",
    "settle_deferred",
]
