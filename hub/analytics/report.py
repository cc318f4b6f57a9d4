"""What the API calls: a utilization report and a space's occupancy history.

Both take the session and every input explicitly (``now`` included), never a clock
or settings. The caller decides which spaces may be seen; these functions never add
any. Hours in the report are floats computed from exact durations.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from typing import Literal, get_args

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hub.analytics.queries import SpaceData, SpaceKind, load_spaces
from hub.analytics.timeline import Segment, build_timeline, require_aware
from hub.analytics.utilization import DayUsage, Usage, daily_usage, total

GroupBy = Literal["room", "desk", "floor", "day"]

#: Longest range a request may cover (a leap year).
MAX_RANGE = dt.timedelta(days=366)

_HOUR = dt.timedelta(hours=1)


class UnknownSpaceError(LookupError):
    """The space does not exist (the API answers 404)."""


class UtilizationRow(BaseModel):
    key: str = Field(description="Room id, desk id, floor id or ISO date, by group_by")
    label: str = Field(description="Name of the room, desk or floor; the ISO date for days")
    date: dt.date | None = Field(None, description="The local date, for group_by=day only")
    spaces: int = Field(description="How many rooms or desks are summed in this row")
    working_hours: float = Field(description="Working hours inside the range, past and future")
    future_hours: float = Field(description="The part of working_hours after now")
    known_hours: float = Field(description="Past working hours with a known state")
    occupied_hours: float = Field(description="Occupied hours within working hours")
    occupied_hours_total: float = Field(description="Occupied hours at any time of day")
    utilization: float | None = Field(
        description="occupied_hours / known_hours; null when there is no data"
    )
    coverage: float | None = Field(
        description="known_hours / (working_hours - future_hours); null before any working hour"
    )

    @classmethod
    def of(
        cls, key: str, label: str, usage: Usage, spaces: int, day: dt.date | None = None
    ) -> "UtilizationRow":
        return cls(
            key=key,
            label=label,
            date=day,
            spaces=spaces,
            working_hours=usage.working / _HOUR,
            future_hours=usage.future / _HOUR,
            known_hours=usage.known / _HOUR,
            occupied_hours=usage.occupied / _HOUR,
            occupied_hours_total=usage.occupied_total / _HOUR,
            utilization=usage.utilization,
            coverage=usage.coverage,
        )


class UtilizationReport(BaseModel):
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    group_by: GroupBy
    rows: list[UtilizationRow]
    total: UtilizationRow = Field(description="All rows together (time-weighted)")


def check_range(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    """Refuse ranges the report cannot or should not compute, with a message saying why."""
    require_aware(start=start, end=end, now=now)
    if end <= start:
        raise ValueError(
            f"the range end ({end.isoformat()}) must be after its start ({start.isoformat()})"
        )
    if end - start > MAX_RANGE:
        raise ValueError(f"the range is {end - start} long; ask for at most 366 days at a time")


def utilization_report(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    room_ids: Collection[str],
    desk_ids: Collection[str],
    group_by: GroupBy,
) -> UtilizationReport:
    """Utilization of the given spaces over ``[start, end)``, one row per group.

    ``room`` and ``floor`` sum rooms only, ``desk`` desks only, ``day`` every given
    space per local date (each space in its own time zone). Ids that do not exist are
    left out.
    """
    check_range(start, end, now)
    if group_by not in get_args(GroupBy):
        choices = ", ".join(get_args(GroupBy))
        raise ValueError(f"group_by must be one of {choices}, not {group_by!r}")
    rooms = () if group_by == "desk" else room_ids
    desks = desk_ids if group_by in ("desk", "day") else ()
    spaces = load_spaces(session, room_ids=rooms, desk_ids=desks, start=start, end=end, now=now)
    days = {
        (space.kind, space.id): _space_days(space, start=start, end=end, now=now)
        for space in spaces
    }

    rows: list[UtilizationRow]
    if group_by in ("room", "desk"):
        rows = [
            UtilizationRow.of(s.id, s.name, total(d.usage for d in days[(s.kind, s.id)]), 1)
            for s in spaces
        ]
        rows.sort(key=lambda r: (r.label, r.key))
    elif group_by == "floor":
        rows = _by_floor(spaces, days)
    else:
        rows = _by_day(days.values())
    everything = total(d.usage for space_days in days.values() for d in space_days)
    return UtilizationReport(
        start=start,
        end=end,
        now=now,
        group_by=group_by,
        rows=rows,
        total=UtilizationRow.of("total", "Total", everything, len(spaces)),
    )


def occupancy_history(
    session: Session,
    *,
    space_kind: SpaceKind,
    space_id: str,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
) -> list[Segment]:
    """The space's timeline over ``[start, min(end, now))``: contiguous segments, unknown
    where there is no data. Raises UnknownSpaceError for a space that does not exist."""
    check_range(start, end, now)
    if space_kind not in ("room", "desk"):
        raise ValueError(f"space_kind must be 'room' or 'desk', not {space_kind!r}")
    rooms, desks = ([space_id], []) if space_kind == "room" else ([], [space_id])
    found = load_spaces(session, room_ids=rooms, desk_ids=desks, start=start, end=end, now=now)
    if not found:
        raise UnknownSpaceError(f"no {space_kind} with id {space_id!r}")
    space = found[0]
    return build_timeline(space.changes, space.offline, start=start, end=end, now=now)


def _space_days(
    space: SpaceData, *, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> list[DayUsage]:
    segments = build_timeline(space.changes, space.offline, start=start, end=end, now=now)
    return daily_usage(segments, space.schedule, start=start, end=end, now=now)


def _by_floor(
    spaces: list[SpaceData], days: dict[tuple[SpaceKind, str], list[DayUsage]]
) -> list[UtilizationRow]:
    names: dict[str, str] = {}
    usages: dict[str, list[Usage]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for space in spaces:
        if space.kind != "room":
            continue
        names[space.floor_id] = space.floor_name
        usages[space.floor_id].extend(d.usage for d in days[(space.kind, space.id)])
        counts[space.floor_id] += 1
    rows = [UtilizationRow.of(f, names[f], total(usages[f]), counts[f]) for f in names]
    return sorted(rows, key=lambda r: (r.label, r.key))


def _by_day(per_space: Collection[list[DayUsage]]) -> list[UtilizationRow]:
    usages: dict[dt.date, list[Usage]] = defaultdict(list)
    for space_days in per_space:
        for d in space_days:
            usages[d.day].append(d.usage)
    return [
        UtilizationRow.of(d.isoformat(), d.isoformat(), total(usages[d]), len(usages[d]), d)
        for d in sorted(usages)
    ]
