"""A report's figures, read from the analytics rollups through hub.analytics.dashboard.

Nothing here recomputes utilization: rooms, desks, floors, buildings, the heatmap and
right-sizing are the dashboards' own queries; sites and the total sum the same group rollups
with the same helpers. Two counts the dashboards do not have come from the rollups too:
meetings released as *abandoned* (``analytics_meetings`` joined to their occurrence) and
the **peak people** of a room, the most people a counting sensor saw in one of its held
meetings, shown only over at least MIN_GROUP such meetings (hub.analytics.k_anonymity).
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

# _groups_where and _sums are the dashboards' own filters and sums: reused so that sites and
# the total add up exactly like floors and buildings.
from hub.analytics.dashboard import (
    DeskSummary,
    Figures,
    GroupRow,
    Heatmap,
    RightSizingRow,
    SpaceRow,
    _groups_where,
    _sums,
    as_of,
    desk_summary,
    group_report,
    heatmap,
    right_sizing_report,
    space_report,
)
from hub.analytics.k_anonymity import shown
from hub.analytics.rightsizing import SENSOR
from hub.db.models import (
    BookingOccurrence,
    Building,
    Desk,
    Floor,
    Room,
    Site,
    analytics_group_days,
    analytics_meetings,
)
from hub.reports.periods import Span
from hub.reports.scope import Audience, Focus, Selection, select_spaces

#: Rooms named in the "top" and "bottom" lists.
TOP_N = 3


@dataclass(slots=True)
class Place:
    site_id: str
    site_name: str
    building_id: str
    building_name: str
    floor_id: str
    floor_name: str


@dataclass(slots=True)
class RoomLine:
    id: str
    name: str
    capacity: int
    place: Place
    figures: Figures
    abandoned: int
    peak_people: int | None  # None: no counting sensor, or fewer than MIN_GROUP meetings
    sizing: RightSizingRow | None


@dataclass(slots=True)
class DeskLine:
    id: str
    name: str
    room_id: str
    place: Place
    figures: Figures


@dataclass(slots=True)
class GroupLine:
    level: str  # site | building | floor
    key: str
    label: str
    figures: Figures
    abandoned: int


@dataclass(slots=True)
class ReportData:
    span: Span
    audience: Audience
    focus: Focus
    generated_at: dt.datetime
    as_of: dt.datetime | None  # the rollups' last refresh: figures are as of then
    total: Figures
    abandoned: int
    sites: list[GroupLine]
    buildings: list[GroupLine]
    floors: list[GroupLine]
    rooms: list[RoomLine]
    desks: list[DeskLine]
    desk_summary: DeskSummary
    heatmap: Heatmap
    top: list[RoomLine] = field(default_factory=list)
    bottom: list[RoomLine] = field(default_factory=list)


def gather(
    session: Session, span: Span, audience: Audience, focus: Focus, now: dt.datetime
) -> ReportData:
    """Everything one report shows. Raises ScopeNotFound for a focus outside the audience."""
    chosen = select_spaces(session, audience, focus)
    first, last = span.first, span.last
    places = _places(session, chosen.room_ids)
    abandoned = _abandoned(session, chosen.room_ids, first, last)
    peaks = _peak_people(session, chosen.room_ids, first, last)
    sizing = {
        r.room_id: r
        for r in right_sizing_report(session, room_ids=chosen.room_ids, first=first, last=last)
    }
    rooms = [
        RoomLine(
            row.id,
            row.name,
            row.capacity or 0,
            places[row.id],
            row.figures,
            abandoned.get(row.id, 0),
            peaks.get(row.id),
            sizing.get(row.id),
        )
        for row in space_report(session, kind="room", ids=chosen.room_ids, first=first, last=last)
    ]
    desk_rows = space_report(session, kind="desk", ids=chosen.desk_ids, first=first, last=last)
    desks = _desk_lines(session, desk_rows, places)
    groups = _Groups(session, span, audience, chosen, rooms)
    ranked = sorted(
        (r for r in rooms if r.figures.utilization is not None),
        key=lambda r: (-(r.figures.utilization or 0.0), r.name, r.id),
    )
    top = ranked[:TOP_N]
    on_top = {r.id for r in top}
    bottom = [r for r in reversed(ranked) if r.id not in on_top][:TOP_N]
    return ReportData(
        span=span,
        audience=audience,
        focus=focus,
        generated_at=now,
        as_of=as_of(session),
        total=groups.total(),
        abandoned=sum(r.abandoned for r in rooms),
        sites=groups.sites(),
        buildings=groups.of("building"),
        floors=groups.of("floor"),
        rooms=rooms,
        desks=desks,
        desk_summary=desk_summary(desk_rows),
        heatmap=heatmap(
            session,
            kind="room",
            first=first,
            last=last,
            departments=audience.departments,
            floor_ids=chosen.floor_ids,
            building_ids=chosen.building_ids,
        ),
        top=top,
        bottom=bottom,
    )


class _Groups:
    """Site, building and floor rows of the chosen rooms, and their total."""

    def __init__(
        self,
        session: Session,
        span: Span,
        audience: Audience,
        chosen: Selection,
        rooms: list[RoomLine],
    ) -> None:
        self._session = session
        self._span = span
        self._filters: dict[str, Any] = {
            "departments": audience.departments,
            "floor_ids": chosen.floor_ids,
            "building_ids": chosen.building_ids,
        }
        self._abandoned: Counter[tuple[str, str]] = Counter()
        for room in rooms:
            self._abandoned[("site", room.place.site_id)] += room.abandoned
            self._abandoned[("building", room.place.building_id)] += room.abandoned
            self._abandoned[("floor", room.place.floor_id)] += room.abandoned

    def of(self, level: str) -> list[GroupLine]:
        rows: list[GroupRow] = group_report(
            self._session,
            by="floor" if level == "floor" else "building",
            kind="room",
            first=self._span.first,
            last=self._span.last,
            **self._filters,
        )
        return [self._line(level, r.key, r.label, r.figures) for r in rows]

    def sites(self) -> list[GroupLine]:
        g = analytics_group_days.c
        query = self._where(
            select(Site.id, Site.name, func.sum(g.spaces).label("n"), *_sums(analytics_group_days))
            .join(Floor, Floor.id == g.floor_id)
            .join(Building, Building.id == Floor.building_id)
            .join(Site, Site.id == Building.site_id)
        ).group_by(Site.id, Site.name)
        lines = [
            self._line("site", row[0], row[1], Figures.of_values(row[2], row[3:]))
            for row in self._session.execute(query)
        ]
        return sorted(lines, key=lambda line: (line.label, line.key))

    def total(self) -> Figures:
        g = analytics_group_days.c
        row = self._session.execute(
            self._where(select(func.sum(g.spaces), *_sums(analytics_group_days)))
        ).one()
        # No rows at all: the sums are NULL (a group's figures never are).
        return Figures.of_values(row[0], [value or 0 for value in row[1:]])

    def _where(self, query: Any) -> Any:
        return _groups_where(
            query, "room", self._span.first, self._span.last, *self._filters.values()
        )

    def _line(self, level: str, key: str, label: str, figures: Figures) -> GroupLine:
        return GroupLine(level, key, label, figures, self._abandoned[(level, key)])


def _places(session: Session, room_ids: list[str]) -> dict[str, Place]:
    rows = session.execute(
        select(Room.id, Site.id, Site.name, Building.id, Building.name, Floor.id, Floor.name)
        .join(Floor, Floor.id == Room.floor_id)
        .join(Building, Building.id == Floor.building_id)
        .join(Site, Site.id == Building.site_id)
        .where(Room.id.in_(room_ids))
    )
    return {row[0]: Place(*row[1:]) for row in rows}


def _desk_lines(session: Session, rows: list[SpaceRow], places: dict[str, Place]) -> list[DeskLine]:
    query = select(Desk.id, Desk.room_id).where(Desk.id.in_([r.id for r in rows]))
    room_of: dict[str, str] = {desk_id: room_id for desk_id, room_id in session.execute(query)}
    return [
        DeskLine(r.id, r.name, room_of[r.id], places[room_of[r.id]], r.figures)
        for r in rows
        if room_of.get(r.id) in places
    ]


def _abandoned(
    session: Session, room_ids: list[str], first: dt.date, last: dt.date
) -> dict[str, int]:
    """Started meetings of each room released because everyone had left (by local start day)."""
    m = analytics_meetings.c
    query = (
        select(m.space_id, func.count())
        .join(BookingOccurrence, BookingOccurrence.id == m.occurrence_id)
        .where(
            m.space_kind == "room",
            m.space_id.in_(room_ids),
            m.day >= first,
            m.day < last,
            m.started.is_(True),
            BookingOccurrence.state == "released",
            BookingOccurrence.release_reason == "abandoned",
        )
        .group_by(m.space_id)
    )
    return {space_id: int(count) for space_id, count in session.execute(query)}


def _peak_people(
    session: Session, room_ids: list[str], first: dt.date, last: dt.date
) -> dict[str, int]:
    """The most people a counting sensor saw in one held meeting, per room, for rooms with at
    least MIN_GROUP such meetings in the range (fewer: left out, a figure about people)."""
    m = analytics_meetings.c
    counts: dict[str, list[int]] = defaultdict(list)
    for space_id, people in session.execute(
        select(m.space_id, m.people).where(
            m.space_kind == "room",
            m.space_id.in_(room_ids),
            m.day >= first,
            m.day < last,
            m.held.is_(True),
            m.people.is_not(None),
            m.people_source == SENSOR,
        )
    ):
        counts[space_id].append(int(people))
    return {room: max(people) for room, people in counts.items() if shown(len(people))}
