"""Batched reads and writes of ``ingest_streams`` rows, for settling many streams at once.

With several hub workers every batch settles dozens of streams, so their rows are read and
written with SQLAlchemy Core in a few statements for the whole batch (locked in key order),
and what settling each stream will read (its stored seqs just above the watermark, its
given-up ranges) is prefetched in two queries. Apart from the watermark rules
(hub.ingest.watermarks, hub.ingest.replays) because this is only about getting rows in and
out cheaply.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from hub.db.models import GivenUpRange, IngestedMessage, IngestStream
from hub.ingest.watermark_types import StreamKey, StreamTouch

# Stored seqs above the watermark are read in pages of this many.
STORED_PAGE = 5000


@dataclass
class StreamRow:
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
_ROW_COLUMNS = tuple(f.name for f in fields(StreamRow))


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


def record_given_up(
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


def locked_streams(
    session: Session, touched: Mapping[StreamKey, StreamTouch], now: datetime
) -> dict[StreamKey, StreamRow]:
    """The streams' rows, locked in key order, with this batch's highest seqs recorded; rows
    are created for streams seen for the first time."""
    keys = _key_params(touched)
    found = {
        (row.device_id, row.boot): StreamRow(*row) for row in session.execute(_LOCK_STREAMS, keys)
    }
    streams: dict[StreamKey, StreamRow] = {}
    new: list[StreamRow] = []
    for key, touch in sorted(touched.items()):
        stream = found.get(key)
        if stream is None:
            stream = StreamRow(key[0], key[1], touch.room_id, 0, 0, None, None, 0, now)
            new.append(stream)
        stream.room_id = touch.room_id
        highest_given_up = max((last for _, last, _ in touch.given_up), default=0)
        stream.highest_seq = max(stream.highest_seq, touch.highest_seq, highest_given_up)
        streams[key] = stream
    if new:  # as found (through 0): the windows below join on them; written back after
        session.execute(insert(_STREAMS), [_row_values(s, "") for s in new])
    return streams


def write_streams(session: Session, streams: Iterable[StreamRow]) -> None:
    session.execute(_WRITE_STREAM, [_row_values(s, "b_") for s in streams])


def _row_values(stream: StreamRow, prefix: str) -> dict[str, Any]:
    return {f"{prefix}{name}": getattr(stream, name) for name in _ROW_COLUMNS}


def _key_params(keys: Iterable[StreamKey]) -> dict[str, list[str]]:
    devices, boots = set(), set()
    for device, boot in keys:
        devices.add(device)
        boots.add(boot)
    return {"devices": sorted(devices), "boots": sorted(boots)}


@dataclass
class Prefetch:
    """What settling reads for each stream (hub.ingest.replays), fetched for a whole batch.

    ``stored``: the seqs stored in ``(mark, mark + STORED_PAGE]``; that equals the first page
    ``replays._stored_above`` would read whenever the window is full or reaches the stream's
    highest seq. Otherwise (or once the walk has moved the mark) the helpers query as before.
    """

    marks: dict[StreamKey, int]
    stored: dict[StreamKey, list[int]]
    given_up: dict[StreamKey, list[tuple[int, int]]]

    @classmethod
    def load(cls, session: Session, streams: Mapping[StreamKey, StreamRow]) -> "Prefetch":
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

    def stored_above(self, stream: "AnyStream", mark: int) -> list[int] | None:
        key = (stream.device_id, stream.boot)
        if self.marks.get(key) != mark:
            return None
        page = self.stored.get(key, [])
        if len(page) == STORED_PAGE or stream.highest_seq <= mark + STORED_PAGE:
            return page
        return None

    def given_up_above(self, stream: "AnyStream") -> list[tuple[int, int]] | None:
        key = (stream.device_id, stream.boot)
        if key not in self.marks:
            return None
        return [r for r in self.given_up.get(key, []) if r[1] > stream.through_seq]


AnyStream = IngestStream | StreamRow
