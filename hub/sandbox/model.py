"""What the sandbox replays: the room plan as it is, held meetings and desk use.

Plain values with no database behind them, so the replay is a pure function of them
(hub/sandbox/replay.py); hub/sandbox/load.py fills them from the store.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

#: Where a meeting's head count came from (docs/utilization.md, section 11); "unknown":
#: no sensor count and nobody invited, counted as one person.
PEOPLE_SOURCES = ("sensor", "attendees", "unknown")


@dataclass(frozen=True, slots=True)
class RoomSpec:
    id: str
    floor_id: str
    building_id: str
    capacity: int
    # False for a desk area: it holds desks, and no meeting is ever moved into it.
    meeting_room: bool = True


@dataclass(frozen=True, slots=True)
class Inventory:
    """The rooms, floors and desks a run may see and change (the caller's scope)."""

    rooms: Mapping[str, RoomSpec]
    floors: Mapping[str, str]  # floor id -> building id
    desks: Mapping[str, str]  # desk id -> id of its room (a desk area)

    def desk_floor(self, desk_id: str) -> str:
        return self.rooms[self.desks[desk_id]].floor_id


@dataclass(frozen=True, slots=True)
class HeldMeeting:
    """A booking occurrence that really took place, with how many people it had."""

    id: int
    room_id: str
    starts_at: datetime
    ends_at: datetime  # the release time for one released early
    people: int
    people_source: str  # one of PEOPLE_SOURCES


@dataclass(frozen=True, slots=True)
class DeskDay:
    """One desk on one local working day on which its state was known (some of the time).

    ``occupied``: the stretches of that day's working window the desk was in use.
    """

    desk_id: str
    day: date
    occupied: tuple[tuple[datetime, datetime], ...] = ()
