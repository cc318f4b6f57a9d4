"""Applying a plan to the rooms and desks as they are: the layout a replay runs against.

Changes apply in order, so a later change may name a room an earlier one added or split
off. A change naming a room, floor or desk that does not exist (or no longer does) is a
:class:`PlanError` with the closest id the caller may see; facilities staff see only their
department's and shared rooms (hub/sandbox/load.py builds the inventory that way).
"""

from collections import Counter
from dataclasses import dataclass, field, replace

from hub.sandbox.model import Inventory, RoomSpec
from hub.sandbox.plan import (
    AddDesks,
    AddRoom,
    Change,
    Loc,
    Plan,
    PlanError,
    Problem,
    RemoveDesks,
    RemoveRoom,
    SetCapacity,
    Split,
    closest,
)

# What became of a room of the inventory (or where a room of the plan came from).
KEPT, RESIZED, SPLIT, REMOVED = "kept", "resized", "split", "removed"
PART, ADDED = "part", "added"  # a room split off one as it is; a room the plan adds


@dataclass(frozen=True)
class Layout:
    """The rooms and desks of one plan (the unchanged one too: the baseline)."""

    origin: dict[str, RoomSpec]  # the rooms as they are
    rooms: dict[str, RoomSpec]  # the rooms of this plan
    # Each room as it is -> the rooms that stand in its place: itself while it is kept
    # (perhaps resized), its parts when split, none when removed.
    successors: dict[str, tuple[str, ...]]
    desks: dict[str, int]  # floor id -> desks on it in this plan
    floors: dict[str, str]  # floor id -> building id

    def fate(self, room_id: str) -> str:
        if room_id not in self.origin:
            parts = (r for after in self.successors.values() for r in after)
            return PART if room_id in parts else ADDED
        after = self.successors.get(room_id, ())
        if not after:
            return REMOVED
        if after != (room_id,):
            return SPLIT
        same = self.rooms[room_id].capacity == self.origin[room_id].capacity
        return KEPT if same else RESIZED


def baseline(inventory: Inventory) -> Layout:
    return apply_plan(inventory, Plan(()))


def apply_plan(inventory: Inventory, plan: Plan) -> Layout:
    """The layout after ``plan``'s changes, or :class:`PlanError` listing every problem."""
    work = _Work(inventory)
    for index, change in enumerate(plan.changes):
        work.apply(change, ("changes", index))
    if work.problems:
        raise PlanError(work.problems)
    desks = Counter(inventory.desk_floor(d) for d in work.desks)
    for floor, count in work.added_desks.items():
        desks[floor] += count
    return Layout(
        origin=dict(inventory.rooms),
        rooms=work.rooms,
        successors={r: work.successors[r] for r in inventory.rooms},
        desks={floor: desks[floor] for floor in sorted(desks)},
        floors=dict(inventory.floors),
    )


@dataclass
class _Work:
    inventory: Inventory
    rooms: dict[str, RoomSpec] = field(init=False)
    successors: dict[str, tuple[str, ...]] = field(init=False)
    desks: set[str] = field(init=False)
    added_desks: Counter[str] = field(default_factory=Counter)
    gone: dict[str, str] = field(default_factory=dict)  # id -> which change removed it
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rooms = dict(self.inventory.rooms)
        self.successors = {r: (r,) for r in self.inventory.rooms}
        self.desks = set(self.inventory.desks)

    def apply(self, change: Change, loc: Loc) -> None:
        if isinstance(change, Split):
            self._split(change, loc)
        elif isinstance(change, RemoveRoom):
            if self._meeting_room(change.remove_room, (*loc, "remove_room")):
                self._replace(change.remove_room, (), loc)
        elif isinstance(change, AddRoom):
            new = change.add_room
            where = (*loc, "add_room")
            fresh = self._new_id(new.id, (*where, "id"))
            if self._floor(new.floor, (*where, "floor")) and fresh:
                building = self.inventory.floors[new.floor]
                self.rooms[new.id] = RoomSpec(new.id, new.floor, building, new.capacity)
        elif isinstance(change, SetCapacity):
            target = change.set_capacity
            if self._meeting_room(target.room, (*loc, "set_capacity", "room")):
                self.rooms[target.room] = replace(self.rooms[target.room], capacity=target.capacity)
        elif isinstance(change, RemoveDesks):
            self._remove_desks(change, (*loc, "remove_desks"))
        elif isinstance(change, AddDesks) and self._floor(
            change.add_desks.floor, (*loc, "add_desks", "floor")
        ):
            self.added_desks[change.add_desks.floor] += change.add_desks.count

    def _split(self, change: Split, loc: Loc) -> None:
        if not self._meeting_room(change.split, (*loc, "split")):
            return
        seen: set[str] = set()
        for index, part in enumerate(change.into):
            where = (*loc, "into", index, "id")
            if part.id in seen:
                self.problems.append(Problem(where, f"{part.id!r} is given twice"))
            elif self._new_id(part.id, where) and part.id != change.split:
                seen.add(part.id)
        if len(seen) != len(change.into):
            return
        old = self.rooms[change.split]
        for part in change.into:
            self.rooms[part.id] = replace(old, id=part.id, capacity=part.capacity)
        self._replace(change.split, tuple(p.id for p in change.into), loc)

    def _replace(self, room_id: str, parts: tuple[str, ...], loc: Loc) -> None:
        del self.rooms[room_id]
        self.gone[room_id] = _where(loc)
        for origin, after in self.successors.items():
            if room_id in after:
                i = after.index(room_id)
                self.successors[origin] = after[:i] + parts + after[i + 1 :]

    def _remove_desks(self, change: RemoveDesks, loc: Loc) -> None:
        chosen = change.remove_desks
        if chosen.floor is not None:
            if self._floor(chosen.floor, (*loc, "floor")):
                picked = {d for d in self.desks if self.inventory.desk_floor(d) == chosen.floor}
                self._some_desks(picked, f"floor {chosen.floor!r}", (*loc, "floor"))
        elif chosen.room is not None:
            where = (*loc, "room")
            if self._room(chosen.room, where):
                picked = {d for d in self.desks if self.inventory.desks[d] == chosen.room}
                self._some_desks(picked, f"room {chosen.room!r}", where)
        else:
            for index, desk in enumerate(chosen.desks or ()):
                if desk in self.desks:
                    self.desks.discard(desk)
                elif desk in self.inventory.desks:
                    self._fail((*loc, "desks", index), f"desk {desk!r} is removed twice")
                else:
                    self._fail(
                        (*loc, "desks", index),
                        f"no desk {desk!r}{closest(desk, self.inventory.desks)}",
                    )

    def _some_desks(self, picked: set[str], what: str, loc: Loc) -> None:
        if not picked:
            self._fail(loc, f"{what} has no desks (left) to remove")
        self.desks -= picked

    # -- reference checks: True when the id is usable, else a problem is recorded --------

    def _room(self, room_id: str, loc: Loc) -> bool:
        if room_id in self.rooms:
            return True
        if room_id in self.gone:
            self._fail(loc, f"room {room_id!r} no longer exists: {self.gone[room_id]} took it away")
        else:
            self._fail(loc, f"no room {room_id!r}{closest(room_id, self.rooms)}")
        return False

    def _meeting_room(self, room_id: str, loc: Loc) -> bool:
        if not self._room(room_id, loc):
            return False
        if not self.rooms[room_id].meeting_room:
            self._fail(loc, f"{room_id!r} is a desk area, not a meeting room: use remove_desks")
            return False
        return True

    def _floor(self, floor_id: str, loc: Loc) -> bool:
        if floor_id in self.inventory.floors:
            return True
        self._fail(loc, f"no floor {floor_id!r}{closest(floor_id, self.inventory.floors)}")
        return False

    def _new_id(self, room_id: str, loc: Loc) -> bool:
        if room_id in self.rooms or room_id in self.inventory.rooms or room_id in self.gone:
            self._fail(loc, f"room id {room_id!r} is taken: choose a new one")
            return False
        return True

    def _fail(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(loc, message))


def _where(loc: Loc) -> str:
    return str(Problem(loc, ""))[:-2]
