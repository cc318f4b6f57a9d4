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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, select, update
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


@dataclass(frozen=True)
class ReplayPolicy:
    gap_grace: timedelta = timedelta(seconds=GAP_GRACE_S)
    replay_interval: timedelta = timedelta(seconds=REPLAY_INTERVAL_S)


def advance(
    session: Session,
    touched: Mapping[StreamKey, StreamTouch],
    now: datetime,
    policy: ReplayPolicy = ReplayPolicy(),
    cache: MarkCache | None = None,
) -> Advanced:
    """Record given-up ranges, move watermarks, and return an ack for every touched stream.

    Every touched stream gets an ack, even when its watermark did not move: a duplicate
    means the terminal re-sent something, so it has not heard the last ack.
    """
    out = Advanced()
    in_order: list[dict[str, object]] = []
    for key, touch in sorted(touched.items()):
        device, boot = key
        mark = _in_order_mark(cache.get(key) if cache else None, touch)
        if mark is not None:  # the common case: no reads, one batched UPDATE below
            in_order.append({"d": device, "b": boot, "m": mark.through_seq, "now": now})
        else:
            stream = _locked_stream(session, key, touch, now)
            out.commands.extend(_settle(session, stream, now, policy))
            mark = StreamMark(stream.through_seq, stream.highest_seq)
        out.marks[key] = mark
        ack = AckCommand(boot=boot, through_seq=mark.through_seq)
        out.commands.append(OutgoingCommand(device, touch.room_id, ack))
    if in_order:
        session.connection().execute(_RAISE_MARK, in_order)
    return out


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


def _locked_stream(
    session: Session, key: StreamKey, touch: StreamTouch, now: datetime
) -> IngestStream:
    """The stream's row, locked, with this batch's given-up ranges and highest seq recorded."""
    device, boot = key
    for first, last, reason in touch.given_up:
        session.add(
            GivenUpRange(
                device_id=device,
                boot=boot,
                first_seq=first,
                last_seq=last,
                reason=reason[:32],
                reported_at=now,
            )
        )
    stream = session.get(IngestStream, key, with_for_update=True)
    if stream is None:
        stream = IngestStream(
            device_id=device,
            boot=boot,
            room_id=touch.room_id,
            through_seq=0,
            highest_seq=0,
            replays_requested=0,
            updated_at=now,
        )
        session.add(stream)
    stream.room_id = touch.room_id
    highest_given_up = max((last for _, last, _ in touch.given_up), default=0)
    stream.highest_seq = max(stream.highest_seq, touch.highest_seq, highest_given_up)
    session.flush()  # the given-up ranges must be visible to the walk
    return stream


def sweep(
    session: Session, now: datetime, policy: ReplayPolicy = ReplayPolicy()
) -> list[OutgoingCommand]:
    """Time and ask for holes on streams that went quiet: nothing arrives to call advance()."""
    due = now - policy.gap_grace
    streams = session.scalars(
        select(IngestStream).where(
            IngestStream.gap_since.is_not(None), IngestStream.gap_since <= due
        )
    ).all()
    commands: list[OutgoingCommand] = []
    for stream in streams:
        commands.extend(_settle(session, stream, now, policy))
    return commands


def _settle(
    session: Session, stream: IngestStream, now: datetime, policy: ReplayPolicy
) -> list[OutgoingCommand]:
    """Walk the watermark up; if a hole remains, time it and maybe ask for a replay."""
    given_up = _given_up(session, stream)
    mark = stream.through_seq
    while True:  # page through what is stored above the mark: a long hole must stay cheap
        page = _stored_above(session, stream, mark)
        full = len(page) == STORED_PAGE
        upto = page[-1] if full else stream.highest_seq
        holes = missing_ranges(mark, upto, page, given_up)
        if holes or not full:
            break
        mark = upto
    mark = holes[0][0] - 1 if holes else max(mark, upto)
    stream.through_seq = mark
    stream.updated_at = now
    if not holes:
        stream.gap_since = None
        return []
    if stream.gap_since is None:
        stream.gap_since = now
        return []
    if now - stream.gap_since < policy.gap_grace:
        return []
    asked = stream.replay_requested_at
    if asked is not None and now - asked < policy.replay_interval:
        return []
    stream.replay_requested_at = now
    stream.replays_requested += 1
    ranges = [SeqRange(first=first, last=last) for first, last in holes]
    return [
        OutgoingCommand(
            stream.device_id, stream.room_id, ReplayCommand(boot=stream.boot, ranges=ranges)
        )
    ]


def _stored_above(session: Session, stream: IngestStream, mark: int) -> list[int]:
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


def _given_up(session: Session, stream: IngestStream) -> list[tuple[int, int]]:
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
