"""Desks: how many were in use at once, against how many a plan leaves.

Demand is history: on each local working day, the most desks of a floor (or of a
building, pooled: people can walk to another floor) that were in use at the same moment
within working hours. Supply is the plan's desks. A day "over" is one whose demand was
above the supply. Only days on which some desk of the group had a known state count.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from hub.sandbox.layout import Layout
from hub.sandbox.model import DeskDay, Inventory


@dataclass(frozen=True)
class DeskDemand:
    floors: dict[str, dict[date, int]]  # floor -> local day -> most desks in use at once
    buildings: dict[str, dict[date, int]]


@dataclass(frozen=True)
class DeskRow:
    """One floor or building under one plan."""

    id: str  # the floor's or the building's id
    building_id: str
    desks: int  # in this plan
    days: int  # working days with desk data
    peak_in_use: int  # the most desks in use at once on any of them
    days_over: int  # days on which more desks were in use at once than this plan has
    over_share: float | None  # days_over / days; None without days


def desk_demand(inventory: Inventory, desk_days: Iterable[DeskDay]) -> DeskDemand:
    floor_use: dict[tuple[str, date], list[tuple[datetime, datetime]]] = defaultdict(list)
    for use in desk_days:
        if use.desk_id in inventory.desks:
            floor_use[(inventory.desk_floor(use.desk_id), use.day)].extend(use.occupied)
    floors: dict[str, dict[date, int]] = defaultdict(dict)
    building_use: dict[tuple[str, date], list[tuple[datetime, datetime]]] = defaultdict(list)
    for (floor, day), stretches in sorted(floor_use.items()):
        floors[floor][day] = most_at_once(stretches)
        building_use[(inventory.floors[floor], day)].extend(stretches)
    buildings: dict[str, dict[date, int]] = defaultdict(dict)
    for (building, day), stretches in sorted(building_use.items()):
        buildings[building][day] = most_at_once(stretches)
    return DeskDemand(dict(floors), dict(buildings))


def most_at_once(stretches: Iterable[tuple[datetime, datetime]]) -> int:
    """The most stretches that overlap at one instant (touching ends do not overlap)."""
    # At the same instant an end (-1) sorts before a start (+1).
    events = sorted((t, step) for lo, hi in stretches if lo < hi for t, step in ((lo, 1), (hi, -1)))
    best = current = 0
    for _, step in events:
        current += step
        best = max(best, current)
    return best


def desk_rows(
    layout: Layout, inventory: Inventory, demand: DeskDemand
) -> tuple[list[DeskRow], list[DeskRow]]:
    """(per floor, per building) for every floor that has or had desks."""
    floors = sorted({inventory.desk_floor(d) for d in inventory.desks} | set(layout.desks))
    buildings = sorted({layout.floors[f] for f in floors})
    supply_of_building: dict[str, int] = defaultdict(int)
    for floor in floors:
        supply_of_building[layout.floors[floor]] += layout.desks.get(floor, 0)
    floor_rows = [
        _row(f, layout.floors[f], layout.desks.get(f, 0), demand.floors.get(f, {})) for f in floors
    ]
    building_rows = [
        _row(b, b, supply_of_building[b], demand.buildings.get(b, {})) for b in buildings
    ]
    return floor_rows, building_rows


def _row(group: str, building: str, supply: int, days: dict[date, int]) -> DeskRow:
    over = sum(1 for peak in days.values() if peak > supply)
    return DeskRow(
        id=group,
        building_id=building,
        desks=supply,
        days=len(days),
        peak_in_use=max(days.values(), default=0),
        days_over=over,
        over_share=over / len(days) if days else None,
    )
