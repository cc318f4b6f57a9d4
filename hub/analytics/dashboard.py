"""The dashboards' queries: booked against used, read from the rollups.

Ranges are whole local dates ``[first, last)`` (each space's own calendar). Every figure is a
sum of rollup columns, and ratios are computed from the sums (docs/utilization.md). The
callers (the API) decide which spaces and departments may be seen; nothing here adds any.
The rollups are as fresh as the last :func:`hub.analytics.rollups.refresh_rollups`;
``as_of`` says when that was.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer
from sqlalchemy import BigInteger, String, func, literal, select
from sqlalchemy.orm import Session

from hub.analytics.k_anonymity import MIN_GROUP
from hub.analytics.rightsizing import RightSizing, right_size
from hub.analytics.rollup_store import SUM_COLUMNS
from hub.db.models import (
    ROLLUP_HOURS,
    Building,
    Desk,
    Floor,
    Room,
    SpaceState,
    analytics_group_days,
    analytics_meetings,
    analytics_rollup_state,
    analytics_space_days,
    analytics_zombies,
)

#: Longest range of dates a dashboard query may cover.
MAX_DAYS = 366
_HOUR_US = 3_600_000_000

GroupBy = Literal["floor", "building", "day", "floor_day"]


def _doc(text: str) -> Any:
    return Field(description=text)


# Plain dataclasses, not pydantic models: a year of floor-day rows is ~13,000 of them, and
# building pydantic models cost more than the query. FastAPI documents and serialises them
# all the same (the descriptions come from the Annotated metadata).
@dataclass(slots=True)
class Figures:
    """Booked against used over a set of spaces and days (docs/utilization.md, 8-11)."""

    space_days: Annotated[
        int, _doc("Space-days summed: (space, local date) pairs with any figure in the range")
    ]
    working_hours: float
    elapsed_hours: Annotated[float, _doc("Working hours before as_of")]
    known_hours: float
    occupied_hours: float
    occupied_hours_total: Annotated[float, _doc("Occupied at any hour of the day")]
    booked_hours: Annotated[float, _doc("Elapsed working hours covered by a booking")]
    booked_used_hours: Annotated[float, _doc("Booked and occupied")]
    unbooked_occupied_hours: Annotated[float, _doc("Occupied without a booking (squatting)")]
    utilization: Annotated[float | None, _doc("occupied / known; null without data")]
    coverage: Annotated[float | None, _doc("known / elapsed")]
    booked_share: Annotated[float | None, _doc("booked / elapsed working hours")]
    booked_used_share: Annotated[
        float | None, _doc("booked and occupied / booked with a known state")
    ]
    meetings: Annotated[int, _doc("Occurrences that started (not cancelled)")]
    no_shows: int
    no_show_rate: Annotated[float | None, _doc("no_shows / meetings")]
    ghosts: int
    ghost_rate: float | None

    @classmethod
    def of(cls, sums: Mapping[Any, Any]) -> "Figures":
        return cls.of_values(sums.get("n"), [sums.get(name) or 0 for name in FIGURE_COLUMNS])

    @classmethod
    def of_values(cls, n: Any, values: Sequence[Any]) -> "Figures":
        """From ``n`` (space-days) and the sums of :data:`FIGURE_COLUMNS`, in that order
        (integers: the columns are NOT NULL, so a sum over rows is never NULL)."""
        (working, elapsed, known, occupied, total, booked, booked_known, booked_occupied,
         meetings, no_shows, ghosts) = values  # fmt: skip
        h = _HOUR_US
        return cls(
            int(n or 0),
            working / h,
            elapsed / h,
            known / h,
            occupied / h,
            total / h,
            booked / h,
            booked_occupied / h,
            (occupied - booked_occupied) / h,
            occupied / known if known else None,
            known / elapsed if elapsed else None,
            booked / elapsed if elapsed else None,
            booked_occupied / booked_known if booked_known else None,
            meetings,
            no_shows,
            no_shows / meetings if meetings else None,
            ghosts,
            ghosts / meetings if meetings else None,
        )


@dataclass(slots=True)
class GroupRow:
    key: str
    label: str
    date: dt.date | None
    figures: Figures


# Times go out as ISO-8601 with "+00:00", as everywhere in the API.
UtcOut = Annotated[
    dt.datetime,
    PlainSerializer(lambda v: v.astimezone(dt.UTC).isoformat(), return_type=str, when_used="json"),
]


@dataclass(slots=True)
class LiveState:
    occupied: bool
    since: UtcOut


@dataclass(slots=True)
class SpaceRow:
    id: str
    name: str
    floor_id: str
    capacity: int | None
    live: Annotated[LiveState | None, _doc("The space's state now; null if never seen")]
    zombie_series: Annotated[int, _doc("Recurring series flagged for repeated no-shows")]
    figures: Figures


class Heatmap(BaseModel):
    hours: list[int] = Field(description="Local hours 0-23, the columns")
    weekdays: list[str] = Field(description="mon..sun, the rows")
    occupied_share: list[list[float | None]] = Field(
        description="[weekday][hour]: occupied / known working time; null without data"
    )
    known_hours: list[list[float]]


def check_days(first: dt.date, last: dt.date) -> None:
    if last <= first:
        raise ValueError(f"the range end ({last}) must be after its start ({first})")
    if (last - first).days > MAX_DAYS:
        raise ValueError(f"the range is {(last - first).days} days; ask for at most {MAX_DAYS}")


def as_of(session: Session) -> dt.datetime | None:
    return session.scalar(select(analytics_rollup_state.c.refreshed_at))


#: The day figures without the hourly columns (those only feed the heatmap).
FIGURE_COLUMNS = [name for name in SUM_COLUMNS if not name.endswith(tuple(
    f"_h{h:02d}_us" for h in ROLLUP_HOURS))]  # fmt: skip


def _sums(table: Any) -> list[Any]:
    # PostgreSQL sums a BIGINT into a NUMERIC (a Decimal in Python): cast back.
    return [func.sum(table.c[name]).cast(BigInteger).label(name) for name in FIGURE_COLUMNS]


def _groups_where(
    query: Any,
    kind: str,
    first: dt.date,
    last: dt.date,
    departments: Collection[str | None] | None,
    floor_ids: Collection[str] | None,
    building_ids: Collection[str] | None,
) -> Any:
    g = analytics_group_days.c
    query = query.where(g.space_kind == kind, g.day >= first, g.day < last)
    if departments is not None:
        query = query.where(g.department_id.in_([d or "" for d in departments]))
    if floor_ids:
        query = query.where(g.floor_id.in_(floor_ids))
    if building_ids:
        query = query.where(
            g.floor_id.in_(select(Floor.id).where(Floor.building_id.in_(building_ids)))
        )
    return query


def group_report(
    session: Session,
    *,
    by: GroupBy,
    kind: str,
    first: dt.date,
    last: dt.date,
    departments: Collection[str | None] | None = None,
    floor_ids: Collection[str] | None = None,
    building_ids: Collection[str] | None = None,
) -> list[GroupRow]:
    """Rows per floor, building, day, or floor and day. ``departments``: None means all;
    otherwise the departments whose spaces count (None in it: shared spaces)."""
    check_days(first, last)
    g = analytics_group_days.c
    if by in ("floor", "floor_day"):
        # Names are looked up apart: a join here would be done for every rollup row.
        keys: list[Any] = [g.floor_id, *([g.day] if by == "floor_day" else [])]
        query = select(*_as_text(keys), func.sum(g.spaces).label("n"), *_sums(analytics_group_days))
    elif by == "building":
        keys = [Building.id, Building.name]
        query = (
            select(*keys, func.sum(g.spaces).label("n"), *_sums(analytics_group_days))
            .join(Floor, Floor.id == g.floor_id)
            .join(Building, Building.id == Floor.building_id)
        )
    elif by == "day":
        keys = [g.day]
        query = select(*_as_text(keys), func.sum(g.spaces).label("n"), *_sums(analytics_group_days))
    else:
        raise ValueError(f"group by floor, building, day or floor_day, not {by!r}")
    query = _groups_where(query, kind, first, last, departments, floor_ids, building_ids)
    # Core, not the ORM session: the ORM result path costs more than the query here.
    rows = session.connection().execute(query.group_by(*keys).order_by(*keys)).all()
    floor_names = (
        dict(session.execute(select(Floor.id, Floor.name)).all()) if by.startswith("floor") else {}
    )
    out = []
    k = len(keys)
    for row in rows:
        figures = Figures.of_values(row[k], row[k + 1 :])
        if by == "day":
            key, label, day = row[0], row[0], dt.date.fromisoformat(row[0])
        elif by == "building":
            key, label, day = row[0], row[1], None
        else:
            key = row[0]
            day = dt.date.fromisoformat(row[1]) if by == "floor_day" else None
            label = floor_names.get(key, key)
        out.append(GroupRow(key, label, day, figures))
    if by != "floor_day":  # a few rows; floor_day stays in SQL's order: by floor id, then date
        out.sort(key=lambda r: (r.date or dt.date.min, r.label, r.key))
    return out


def _as_text(columns: list[Any]) -> list[Any]:
    """Dates as 'YYYY-MM-DD' text: parsing them in Python is much cheaper than the driver's
    type processing of ten thousand rows (SQLite stores that text; PostgreSQL casts to it)."""
    return [c.cast(String).label(c.name) if c.name == "day" else c for c in columns]


def heatmap(
    session: Session,
    *,
    kind: str,
    first: dt.date,
    last: dt.date,
    departments: Collection[str | None] | None = None,
    floor_ids: Collection[str] | None = None,
    building_ids: Collection[str] | None = None,
) -> Heatmap:
    """Share of known working time occupied, per local weekday and local hour."""
    check_days(first, last)
    g = analytics_group_days.c
    columns = [func.sum(g[f"occupied_h{h:02d}_us"]) for h in ROLLUP_HOURS]
    columns += [func.sum(g[f"known_h{h:02d}_us"]) for h in ROLLUP_HOURS]
    query = _groups_where(
        select(g.day, *columns), kind, first, last, departments, floor_ids, building_ids
    ).group_by(g.day)
    occupied = [[0] * 24 for _ in range(7)]
    known = [[0] * 24 for _ in range(7)]
    for row in session.execute(query):
        wd = row[0].weekday()
        for h in ROLLUP_HOURS:
            occupied[wd][h] += int(row[1 + h] or 0)
            known[wd][h] += int(row[25 + h] or 0)
    return Heatmap(
        hours=list(ROLLUP_HOURS),
        weekdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        occupied_share=[
            [occupied[w][h] / known[w][h] if known[w][h] else None for h in ROLLUP_HOURS]
            for w in range(7)
        ],
        known_hours=[[known[w][h] / _HOUR_US for h in ROLLUP_HOURS] for w in range(7)],
    )


def space_report(
    session: Session, *, kind: str, ids: Collection[str], first: dt.date, last: dt.date
) -> list[SpaceRow]:
    """One row per given room or desk (ids that do not exist are left out), with its live
    state and, for rooms, flagged recurring series."""
    check_days(first, last)
    s = analytics_space_days.c
    spaces: Sequence[Any]
    if kind == "room":
        spaces = session.execute(
            select(Room.id, Room.name, Room.floor_id, Room.capacity).where(Room.id.in_(ids))
        ).all()
    else:
        spaces = session.execute(
            select(Desk.id, Desk.name, Room.floor_id, literal(None))
            .join(Room, Room.id == Desk.room_id)
            .where(Desk.id.in_(ids))
        ).all()
    wanted = [row[0] for row in spaces]
    sums = {
        row["space_id"]: row
        for row in session.execute(
            select(s.space_id, func.count().label("n"), *_sums(analytics_space_days))
            .where(s.space_kind == kind, s.space_id.in_(wanted), s.day >= first, s.day < last)
            .group_by(s.space_id)
        ).mappings()
    }
    live = {
        space_id: LiveState(occupied=occupied, since=since)
        for space_id, occupied, since in session.execute(
            select(SpaceState.space_id, SpaceState.occupied, SpaceState.since).where(
                SpaceState.space_kind == kind, SpaceState.space_id.in_(wanted)
            )
        )
    }
    z = analytics_zombies.c
    zombies = dict(
        session.execute(
            select(z.space_id, z.series).where(z.space_kind == kind, z.space_id.in_(wanted))
        ).all()
    )
    rows = [
        SpaceRow(
            id=space_id,
            name=name,
            floor_id=floor_id,
            capacity=capacity,
            live=live.get(space_id),
            zombie_series=zombies.get(space_id, 0),
            figures=Figures.of(sums.get(space_id, {})),
        )
        for space_id, name, floor_id, capacity in spaces
    ]
    return sorted(rows, key=lambda r: (r.name, r.id))


class DeskSummary(BaseModel):
    desks: int
    idle_rate: float | None = Field(description="Vacant / known working time over all desks")
    never_used: list[str] = Field(description="Desks with data but never occupied in the range")
    no_data: list[str] = Field(description="Desks without any known working time in the range")


def desk_summary(rows: list[SpaceRow]) -> DeskSummary:
    known = sum(r.figures.known_hours for r in rows)
    occupied = sum(r.figures.occupied_hours for r in rows)
    return DeskSummary(
        desks=len(rows),
        idle_rate=(known - occupied) / known if known else None,
        never_used=[
            r.id for r in rows if r.figures.known_hours > 0 and r.figures.occupied_hours_total == 0
        ],
        no_data=[
            r.id for r in rows if r.figures.known_hours == 0 and r.figures.occupied_hours_total == 0
        ],
    )


class RightSizingRow(BaseModel):
    room_id: str
    name: str
    capacity: int
    meetings: int = Field(description="Held meetings with a head count")
    people_source: str | None = Field(
        description="Where head counts come from: sensor (a counting sensor's peak), "
        "attendees (the booking's organizer + attendees + external attendees), or mixed"
    )
    from_sensor: int
    from_attendees: int
    median_people: float | None
    p80_people: int | None = Field(description="80% of meetings had this many people or fewer")
    small_limit: int | None
    small_share: float | None
    over_capacity_share: float | None
    recommendation: str | None = Field(description="downsize | upsize | fits")
    message: str | None
    withheld: str | None = Field(
        description=f"Why the figures about people are null (fewer than {MIN_GROUP} meetings)"
    )

    @classmethod
    def of(cls, room_id: str, name: str, result: RightSizing) -> "RightSizingRow":
        return cls(room_id=room_id, name=name, **result.__dict__)


def right_sizing_report(
    session: Session, *, room_ids: Collection[str], first: dt.date, last: dt.date
) -> list[RightSizingRow]:
    check_days(first, last)
    m = analytics_meetings.c
    rooms = session.execute(
        select(Room.id, Room.name, Room.capacity).where(Room.id.in_(room_ids))
    ).all()
    counts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for space_id, people, source in session.execute(
        select(m.space_id, m.people, m.people_source).where(
            m.space_kind == "room",
            m.space_id.in_([r.id for r in rooms]),
            m.day >= first,
            m.day < last,
            m.held.is_(True),
            m.people.is_not(None),
        )
    ):
        counts[space_id].append((people, source))
    rows = [
        RightSizingRow.of(r.id, r.name, right_size(r.capacity, counts.get(r.id, []))) for r in rooms
    ]
    return sorted(rows, key=lambda r: (r.name, r.room_id))
