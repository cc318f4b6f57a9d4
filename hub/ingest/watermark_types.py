"""The vocabulary of ingest watermarks: stream keys, what a batch did to a stream, commands out.

Small value types and the replay timing policy shared by the watermark logic
(hub.ingest.watermarks), the hole and replay handling (hub.ingest.replays), the batch
writer (hub.ingest.apply), the ingest service and the ack scheduler (hub.ingest.acks).
Apart from the logic so those modules can all name these types without importing each
other, and so what a stream's state is can be read in one place.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from contract.commands import SpoolCommand

StreamKey = tuple[str, str]  # (device, boot)

# How long a hole may stay open before a replay is asked for, and how often it is asked again.
GAP_GRACE_S = 3.0
REPLAY_INTERVAL_S = 30.0


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
