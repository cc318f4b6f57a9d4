"""Replaying held meetings against a layout: where each one would have taken place.

Meetings are placed one at a time in the order they started (then ended, then id). Each:

1. **fit**: in a room standing in its own room's place (the room itself, or a part of it
   after a split) that has the seats (``capacity >= people``) and is free the whole time;
2. **moved**: else to a free room with the seats on the same floor, then in the building,
   the smallest fitting room first (then by id);
3. **waited**: else the first moment within ``max_wait`` that such a room (its own first
   at the same moment, then floor, building, smallest) is free for the meeting's length;
   the meeting then runs that much later and holds the room until it is over;
4. **unserved**: else.

Desk areas never receive a meeting. Deterministic: the same input gives the same answer.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.sandbox.layout import Layout
from hub.sandbox.model import HeldMeeting, RoomSpec

FIT, MOVED, WAITED, UNSERVED = "fit", "moved", "waited", "unserved"
OUTCOMES = (FIT, MOVED, WAITED, UNSERVED)
# How far a meeting went: its own room('s parts), the same floor, elsewhere in the building.
OWN, FLOOR, BUILDING = "own", "floor", "building"


@dataclass(frozen=True, slots=True)
class Placement:
    meeting: HeldMeeting
    outcome: str  # one of OUTCOMES
    room_id: str | None  # None when unserved
    reach: str | None  # OWN, FLOOR or BUILDING; None when unserved
    wait: timedelta = timedelta(0)


class RoomDiary:
    """When one room is taken: non-overlapping ``[start, end)`` stretches, in order."""

    __slots__ = ("_ends", "_starts")

    def __init__(self) -> None:
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []

    def is_free(self, start: datetime, end: datetime) -> bool:
        # Stretches do not overlap, so the last one starting before ``end`` ends last.
        i = bisect_left(self._starts, end)
        return i == 0 or self._ends[i - 1] <= start

    def take(self, start: datetime, end: datetime) -> None:
        i = bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)

    def first_free(self, start: datetime, length: timedelta, latest: datetime) -> datetime | None:
        """The earliest ``t`` in ``[start, latest]`` with ``[t, t + length)`` free."""
        candidates = [start]
        # A room frees when a stretch ends; stretch ends are in order like their starts.
        lo = bisect_right(self._ends, start)
        candidates += [e for e in self._ends[lo:] if e <= latest]
        for t in candidates:
            if self.is_free(t, t + length):
                return t
        return None


def allocate(
    layout: Layout, meetings: Iterable[HeldMeeting], max_wait: timedelta
) -> list[Placement]:
    """Where every meeting goes in ``layout``, in the order they were placed."""
    diaries = {room_id: RoomDiary() for room_id in layout.rooms}
    tiers_cache: dict[tuple[str, int], list[tuple[str, list[RoomSpec]]]] = {}
    out = []
    for meeting in sorted(meetings, key=lambda m: (m.starts_at, m.ends_at, m.id)):
        key = (meeting.room_id, meeting.people)
        if key not in tiers_cache:
            tiers_cache[key] = _tiers(layout, meeting.room_id, meeting.people)
        out.append(_place(meeting, tiers_cache[key], diaries, max_wait))
    return out


def _place(
    meeting: HeldMeeting,
    tiers: list[tuple[str, list[RoomSpec]]],
    diaries: dict[str, RoomDiary],
    max_wait: timedelta,
) -> Placement:
    start, end = meeting.starts_at, meeting.ends_at
    for reach, rooms in tiers:
        for room in rooms:
            if diaries[room.id].is_free(start, end):
                diaries[room.id].take(start, end)
                return Placement(meeting, FIT if reach == OWN else MOVED, room.id, reach)
    best: tuple[datetime, int, str, str] | None = None
    for rank, (reach, rooms) in enumerate(tiers):
        for room in rooms:  # already smallest first
            when = diaries[room.id].first_free(start, end - start, start + max_wait)
            if when is not None and (best is None or (when, rank) < best[:2]):
                best = (when, rank, room.id, reach)
    if best is None:
        return Placement(meeting, UNSERVED, None, None)
    when, _, room_id, reach = best
    diaries[room_id].take(when, when + (end - start))
    return Placement(meeting, WAITED, room_id, reach, wait=when - start)


def _tiers(layout: Layout, room_id: str, people: int) -> list[tuple[str, list[RoomSpec]]]:
    """The rooms with enough seats a meeting of ``room_id`` may use, nearest first."""
    home = layout.origin[room_id]
    own_ids = set(layout.successors.get(room_id, ()))

    def fitting(rooms: Iterable[RoomSpec]) -> list[RoomSpec]:
        return sorted((r for r in rooms if r.capacity >= people), key=lambda r: (r.capacity, r.id))

    own = fitting(layout.rooms[r] for r in own_ids)
    others = [r for r in layout.rooms.values() if r.meeting_room and r.id not in own_ids]
    floor = fitting(r for r in others if r.floor_id == home.floor_id)
    building = fitting(
        r for r in others if r.floor_id != home.floor_id and r.building_id == home.building_id
    )
    return [(OWN, own), (FLOOR, floor), (BUILDING, building)]
