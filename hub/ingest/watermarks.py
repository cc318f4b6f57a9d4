"""Per terminal boot: the contiguous watermark acknowledged back, and holes to ask a replay for.

A QoS 1 PUBACK covers one hop; the broker may still drop a message on its way to
the hub (a full subscriber queue, a broker killed with its queue in memory). The
terminal therefore keeps every message in its spool until the hub's watermark for
that boot covers it, and the hub asks for the missing ranges when it holds later
messages above a hole that stays open for ``gap_grace_s`` (a short wait, because
messages of one device can arrive out of order across hub workers or batches).

Everything here runs inside the writer's transaction, so a watermark is never
ahead of what is committed; the commands it returns are published after the commit.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, insert, select, update
from sqlalchemy.orm import Session

from contract.commands import AckCommand, ReplayCommand, SpoolCommand
from contract.messages import MAX_GAP_RANGES, SeqRange
from hub.db.models import GivenUpRange, IngestedMessage, IngestStream

StreamKey = tuple[str, str]  # (device, boot)

# How long a hole may stay open before a replay is asked for, and how often it is asked again.
GAP_GRACE_S = 3.0
REPLAY_INTERVAL_S = 30.0
# Stored seqs above the watermark are read in pages of this many.
STORED_PAGE = 5000


@dataclass(frozen=True)
class OutgoingCommand:
    device_id: str
    room_id: str
    command: SpoolCommand


@dataclass
class StreamTouch:
    """What one batch did to a stream: the room its commands go to, and the seqs it saw."""

    room_id: str
    highest_seq: int = 0  # duplicates included
    new_seqs: list[int] = field(default_factory=list)  # stored by this batch
    given_up: list[tuple[int, int, str]] = field(default_factory=list)  # (first, last, reason)


@dataclass(frozen=True)
class StreamMark:
    through_seq: int
    highest_seq: int


class MarkCache:
    """This worker's last committed view of each stream, so in-order traffic skips DB reads.

    Only ever behind the truth (another worker may have moved a watermark since), never
    ahead: seqs contiguous above a cached mark that this batch stored are really stored, so
    a watermark computed from it is safe, and the database keeps the higher of two writes.
    """

    def __init__(self, limit: int = 100_000) -> None:
        self._marks: dict[StreamKey, StreamMark] = {}
        self._limit = limit

    def get(self, key: StreamKey) -> StreamMark | None:
        return self._marks.get(key)

    def update(self, marks: Mapping[StreamKey, StreamMark]) -> None:
        """Call after the commit that produced ``marks``."""
        if len(self._marks) + len(marks) > self._limit:
            self._marks.clear()  # old boots pile up; whoever is still talking refills it
        self._marks.update(marks)


@dataclass
class Advanced:
    commands: list[OutgoingCommand] = field(default_factory=list)
    marks: dict[StreamKey, StreamMark] = field(default_factory=dict)
    # Streams left for a later settle_deferred() (their given-up ranges are recorded already).
    deferred: dict[StreamKey, StreamTouch] = field(default_factory=dict)


def merge_touches(
    into: dict[StreamKey, StreamTouch], more: Mapping[StreamKey, StreamTouch]
) -> None:
    """Fold deferred touches together: a later settle needs the room and the highest seq
    (given-up ranges included: they are recorded already, but raise the highest seq)."""
    for key, touch in more.items():
        highest = max([touch.highest_seq, *(last for _, last, _ in touch.given_up)])
        held = into.setdefault(key, StreamTouch(touch.room_id))
        held.room_id = touch.room_id
        held.highest_seq = max(held.highest_seq, highest)


@dataclass(frozen=True)
class ReplayPolicy:
    gap_grace: timedelta = timedelta(seconds=GAP_GRACE_S)
    replay_interval: timedelta = timedelta(seconds=REPLAY_INTERVAL_S)
    # At most this many messages asked for per request: a replay arrives as a burst, and a
    # burst larger than the hub's receive window plus the broker's queue would be dropped
    # again on the way. Once a request has made progress the next part is asked for after
    # the grace, without waiting for the replay interval.
    max_per_request: int = 1000


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
    _record_given_up(session, {**slow, **out.deferred}, now)
    settled: dict[StreamKey, list[OutgoingCommand]] = {}
    if slow:
        streams = _locked_streams(session, slow, now)
        prefetch = _Prefetch.load(session, streams)
        for key, stream in streams.items():
            settled[key] = _settle(session, stream, now, policy, prefetch)
            out.marks[key] = StreamMark(stream.through_seq, stream.highest_seq)
        _write_streams(session, streams.values())
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


@dataclass
class _StreamRow:
    """An ``ingest_streams`` row read with Core: ORM objects cost too much per stream when a
    batch settles dozens of streams (several workers: every batch)."""

    device_id: str
    boot: str
    room_id: str
    through_seq: int
    highest_seq: int
    gap_since: datetime | None
    replay_requested_at: datetime | None
    replays_requested: int
    updated_at: datetime


_STREAMS = cast(Table, IngestStream.__table__)
_GIVEN_UP = cast(Table, GivenUpRange.__table__)
_LEDGER = cast(Table, IngestedMessage.__table__)
_ROW_COLUMNS = tuple(f.name for f in fields(_StreamRow))


def _in(column: Any, name: str) -> Any:
    """``column IN (...)`` with one expanding parameter: one cached statement for any size."""
    return column.in_(bindparam(name, expanding=True))


# The touched streams, locked in key order. Filtered by device and by boot separately (a few
# extra rows at most: another boot of a device would need the same random boot id).
_LOCK_STREAMS = (
    select(*(_STREAMS.c[name] for name in _ROW_COLUMNS))
    .where(_in(_STREAMS.c.device_id, "devices"), _in(_STREAMS.c.boot, "boots"))
    .order_by(_STREAMS.c.device_id, _STREAMS.c.boot)
    .with_for_update()
)
# Each stream's stored seqs in (through_seq, through_seq + STORED_PAGE], before it moves.
_STORED_WINDOWS = (
    select(_LEDGER.c.device_id, _LEDGER.c.boot, _LEDGER.c.seq)
    .select_from(
        _STREAMS.join(
            _LEDGER,
            and_(
                _LEDGER.c.device_id == _STREAMS.c.device_id,
                _LEDGER.c.boot == _STREAMS.c.boot,
                _LEDGER.c.seq > _STREAMS.c.through_seq,
                _LEDGER.c.seq <= _STREAMS.c.through_seq + STORED_PAGE,
            ),
        )
    )
    .where(_in(_STREAMS.c.device_id, "devices"), _in(_STREAMS.c.boot, "boots"))
)
_GIVEN_UP_OF = select(
    _GIVEN_UP.c.device_id, _GIVEN_UP.c.boot, _GIVEN_UP.c.first_seq, _GIVEN_UP.c.last_seq
).where(_in(_GIVEN_UP.c.device_id, "devices"), _in(_GIVEN_UP.c.boot, "boots"))


def _typed(name: str) -> Any:
    return bindparam(f"b_{name}", type_=_STREAMS.c[name].type)


_WRITE_STREAM = (
    update(_STREAMS)
    .where(_STREAMS.c.device_id == _typed("device_id"), _STREAMS.c.boot == _typed("boot"))
    .values({name: _typed(name) for name in _ROW_COLUMNS[2:]})
)


def _record_given_up(
    session: Session, touched: Mapping[StreamKey, StreamTouch], now: datetime
) -> None:
    """Insert the ranges terminals reported given up, in the batch that brought the report."""
    given_up = [
        {
            "device_id": device,
            "boot": boot,
            "first_seq": first,
            "last_seq": last,
            "reason": reason[:32],
            "reported_at": now,
        }
        for (device, boot), touch in touched.items()
        for first, last, reason in touch.given_up
    ]
    if given_up:
        session.execute(insert(_GIVEN_UP), given_up)


def _locked_streams(
    session: Session, touched: Mapping[StreamKey, StreamTouch], now: datetime
) -> dict[StreamKey, _StreamRow]:
    """The streams' rows, locked in key order, with this batch's highest seqs recorded; rows
    are created for streams seen for the first time."""
    keys = _key_params(touched)
    found = {
        (row.device_id, row.boot): _StreamRow(*row) for row in session.execute(_LOCK_STREAMS, keys)
    }
    streams: dict[StreamKey, _StreamRow] = {}
    new: list[_StreamRow] = []
    for key, touch in sorted(touched.items()):
        stream = found.get(key)
        if stream is None:
            stream = _StreamRow(key[0], key[1], touch.room_id, 0, 0, None, None, 0, now)
            new.append(stream)
        stream.room_id = touch.room_id
        highest_given_up = max((last for _, last, _ in touch.given_up), default=0)
        stream.highest_seq = max(stream.highest_seq, touch.highest_seq, highest_given_up)
        streams[key] = stream
    if new:  # as found (through 0): the windows below join on them; written back after
        session.execute(insert(_STREAMS), [_row_values(s, "") for s in new])
    return streams


def _write_streams(session: Session, streams: Iterable[_StreamRow]) -> None:
    session.execute(_WRITE_STREAM, [_row_values(s, "b_") for s in streams])


def _row_values(stream: _StreamRow, prefix: str) -> dict[str, Any]:
    return {f"{prefix}{name}": getattr(stream, name) for name in _ROW_COLUMNS}


def _key_params(keys: Iterable[StreamKey]) -> dict[str, list[str]]:
    devices, boots = set(), set()
    for device, boot in keys:
        devices.add(device)
        boots.add(boot)
    return {"devices": sorted(devices), "boots": sorted(boots)}


@dataclass
class _Prefetch:
    """What ``_settle`` reads for each stream, fetched for all of a batch's streams at once.

    ``stored``: the seqs stored in ``(mark, mark + STORED_PAGE]``; that equals the first page
    ``_stored_above`` would read whenever the window is full or reaches the stream's highest
    seq. Otherwise (or once the walk has moved the mark) the helpers query as before.
    """

    marks: dict[StreamKey, int]
    stored: dict[StreamKey, list[int]]
    given_up: dict[StreamKey, list[tuple[int, int]]]

    @classmethod
    def load(cls, session: Session, streams: Mapping[StreamKey, _StreamRow]) -> "_Prefetch":
        marks = {key: stream.through_seq for key, stream in streams.items()}
        stored: dict[StreamKey, list[int]] = defaultdict(list)
        given_up: dict[StreamKey, list[tuple[int, int]]] = defaultdict(list)
        keys = _key_params(marks)
        for device, boot, seq in session.execute(_STORED_WINDOWS, keys):
            stored[(device, boot)].append(seq)
        for device, boot, first, last in session.execute(_GIVEN_UP_OF, keys):
            given_up[(device, boot)].append((first, last))
        for seqs in stored.values():
            seqs.sort()
        return cls(marks, stored, given_up)

    def stored_above(self, stream: "_AnyStream", mark: int) -> list[int] | None:
        key = (stream.device_id, stream.boot)
        if self.marks.get(key) != mark:
            return None
        page = self.stored.get(key, [])
        if len(page) == STORED_PAGE or stream.highest_seq <= mark + STORED_PAGE:
            return page
        return None

    def given_up_above(self, stream: "_AnyStream") -> list[tuple[int, int]] | None:
        key = (stream.device_id, stream.boot)
        if key not in self.marks:
            return None
        return [r for r in self.given_up.get(key, []) if r[1] > stream.through_seq]


_AnyStream = IngestStream | _StreamRow


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
        commands.extend(_settle(session, stream, now, policy))
    return commands


def _settle(
    session: Session,
    stream: _AnyStream,
    now: datetime,
    policy: ReplayPolicy,
    prefetch: _Prefetch | None = None,
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
    session: Session, stream: _AnyStream, mark: int, prefetch: _Prefetch | None = None
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
    session: Session, stream: _AnyStream, prefetch: _Prefetch | None = None
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
