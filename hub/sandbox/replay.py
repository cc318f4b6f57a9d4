"""The what-if run as a pure function: the same meetings and desk use through the plan as
it is (the baseline) and through the changed plan, summed per room and in total.

How many people a meeting had is a people-derived figure, so where a meeting went is shown
only for groups of at least ``min_group`` meetings (hub.analytics.k_anonymity): a
room's outcomes need that many meetings booked in it, its ``hosted`` figures that many
held in it, the totals that many in all; below, the figures are null and ``withheld``
says why. Desk figures count desks, not people, and are always shown.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from hub.analytics import k_anonymity
from hub.analytics.k_anonymity import MIN_GROUP
from hub.sandbox.allocate import BUILDING, FIT, FLOOR, MOVED, UNSERVED, WAITED, Placement, allocate
from hub.sandbox.desks import DeskDemand, DeskRow, desk_demand, desk_rows
from hub.sandbox.layout import Layout, apply_plan, baseline
from hub.sandbox.model import DeskDay, HeldMeeting, Inventory
from hub.sandbox.plan import Plan


@dataclass(frozen=True)
class Outcomes:
    """Where a group of meetings went. Null (all of it) when the group is too small."""

    fit: int | None = None
    moved: int | None = None
    moved_on_floor: int | None = None  # moved to another room on the same floor
    moved_off_floor: int | None = None  # moved to another floor of the building
    waited: int | None = None
    wait_minutes_total: float | None = None
    wait_minutes_max: float | None = None
    unserved: int | None = None


@dataclass(frozen=True, kw_only=True)
class Totals(Outcomes):
    meetings: int
    withheld: str | None


@dataclass(frozen=True, kw_only=True)
class RoomRow(Outcomes):
    room_id: str
    floor_id: str
    fate: str  # kept | resized | split | removed | part (of a split) | added
    capacity: int | None  # in this plan; None when it has gone
    meetings: int  # held meetings booked in this room (0 for a room the plan adds)
    fit_in: dict[str, int] | None = None  # where those that fitted went (a split's parts)
    moved_to: dict[str, int] | None = None
    hosted: int | None = None  # meetings held in this room in this plan, from any room
    hosted_hours: float | None = None
    withheld: str | None


@dataclass(frozen=True)
class PlanFigures:
    totals: Totals
    rooms: list[RoomRow]
    desk_floors: list[DeskRow]
    desk_buildings: list[DeskRow]


@dataclass(frozen=True)
class Difference:
    """Changed plan minus baseline; null where either side is withheld."""

    fit: int | None
    moved: int | None
    waited: int | None
    unserved: int | None
    wait_minutes_total: float | None
    desk_days_over: int  # summed over the floors


@dataclass(frozen=True)
class Comparison:
    baseline: PlanFigures
    changed: PlanFigures
    difference: Difference


def compare(
    inventory: Inventory,
    plan: Plan,
    meetings: Sequence[HeldMeeting],
    desk_days: Sequence[DeskDay],
    *,
    max_wait: timedelta,
    min_group: int = MIN_GROUP,
) -> Comparison:
    """Replay ``meetings`` and ``desk_days`` through the unchanged and the changed plan.

    Raises PlanError when ``plan`` does not fit ``inventory``. Meetings of rooms outside
    the inventory are ignored.
    """
    if max_wait < timedelta(0):
        raise ValueError("the longest wait cannot be negative")
    changed_layout = apply_plan(inventory, plan)  # first: a bad plan fails before any work
    meetings = [m for m in meetings if m.room_id in inventory.rooms]
    demand = desk_demand(inventory, desk_days)
    before = _figures(baseline(inventory), inventory, meetings, demand, max_wait, min_group)
    after = _figures(changed_layout, inventory, meetings, demand, max_wait, min_group)
    return Comparison(before, after, _difference(before, after))


def _figures(
    layout: Layout,
    inventory: Inventory,
    meetings: Sequence[HeldMeeting],
    demand: DeskDemand,
    max_wait: timedelta,
    min_group: int,
) -> PlanFigures:
    placements = allocate(layout, meetings, max_wait)
    booked: dict[str, list[Placement]] = defaultdict(list)
    hosted: dict[str, list[Placement]] = defaultdict(list)
    for placement in placements:
        booked[placement.meeting.room_id].append(placement)
        if placement.room_id is not None:
            hosted[placement.room_id].append(placement)
    shown = [r for r in layout.origin.values() if r.meeting_room or booked[r.id]]
    shown += [r for r in layout.rooms.values() if r.id not in layout.origin]
    rows = [
        _room_row(layout, room.id, room.floor_id, booked[room.id], hosted[room.id], min_group)
        for room in sorted(shown, key=lambda r: (r.floor_id, r.id))
    ]
    enough = k_anonymity.shown(len(placements), min_group)
    totals = Totals(
        **(_outcomes(placements).__dict__ if enough else {}),
        meetings=len(placements),
        withheld=None if enough else _too_few(len(placements), "replayed", min_group),
    )
    floors, buildings = desk_rows(layout, inventory, demand)
    return PlanFigures(totals, rows, floors, buildings)


def _room_row(
    layout: Layout,
    room_id: str,
    floor_id: str,
    booked: list[Placement],
    hosted: list[Placement],
    min_group: int,
) -> RoomRow:
    room = layout.rooms.get(room_id)
    withheld = []
    figures: dict[str, object] = {}
    if k_anonymity.shown(len(booked), min_group):
        figures = dict(_outcomes(booked).__dict__)
        figures["fit_in"] = _rooms_of(booked, FIT)
        figures["moved_to"] = _rooms_of(booked, MOVED)
    elif booked or room_id in layout.origin:
        withheld.append(_too_few(len(booked), "booked here", min_group))
    if k_anonymity.shown(len(hosted), min_group):
        figures["hosted"] = len(hosted)
        seconds = sum((p.meeting.ends_at - p.meeting.starts_at).total_seconds() for p in hosted)
        figures["hosted_hours"] = round(seconds / 3600, 2)
    elif room is not None:
        withheld.append(_too_few(len(hosted), "held here", min_group))
    return RoomRow(
        **figures,  # type: ignore[arg-type]
        room_id=room_id,
        floor_id=floor_id,
        fate=layout.fate(room_id),
        capacity=room.capacity if room else None,
        meetings=len(booked),
        withheld="; ".join(withheld) or None,
    )


def _rooms_of(placements: Sequence[Placement], outcome: str) -> dict[str, int]:
    """How many of ``placements`` with ``outcome`` went to each room, by room id."""
    counts = Counter(p.room_id for p in placements if p.outcome == outcome and p.room_id)
    return dict(sorted(counts.items()))


def _outcomes(placements: Sequence[Placement]) -> Outcomes:
    count = Counter(p.outcome for p in placements)
    moved_reach = Counter(p.reach for p in placements if p.outcome == MOVED)
    waits = [p.wait.total_seconds() / 60 for p in placements if p.outcome == WAITED]
    return Outcomes(
        fit=count[FIT],
        moved=count[MOVED],
        moved_on_floor=moved_reach[FLOOR],
        moved_off_floor=moved_reach[BUILDING],
        waited=count[WAITED],
        wait_minutes_total=round(sum(waits, 0.0), 1),
        wait_minutes_max=round(max(waits, default=0.0), 1),
        unserved=count[UNSERVED],
    )


def _too_few(count: int, what: str, min_group: int) -> str:
    return (
        f"{count} meeting(s) {what}; where meetings went is shown only for at least "
        f"{min_group} (it depends on how many people came)"
    )


def _difference(before: PlanFigures, after: PlanFigures) -> Difference:
    a, b = after.totals, before.totals

    def minus(x: float | None, y: float | None) -> float | None:
        return None if x is None or y is None else round(x - y, 1)

    def minus_int(x: int | None, y: int | None) -> int | None:
        return None if x is None or y is None else x - y

    return Difference(
        fit=minus_int(a.fit, b.fit),
        moved=minus_int(a.moved, b.moved),
        waited=minus_int(a.waited, b.waited),
        unserved=minus_int(a.unserved, b.unserved),
        wait_minutes_total=minus(a.wait_minutes_total, b.wait_minutes_total),
        desk_days_over=sum(r.days_over for r in after.desk_floors)
        - sum(r.days_over for r in before.desk_floors),
    )
