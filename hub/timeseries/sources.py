"""Sources: each kind of row the exporter turns into points, with its own cursor.

A source reads the rows after its cursor and says which cursor value the points make
durable once the server has accepted them. Adding a kind of point (a people-count column,
say) is one small class here plus its entry in :func:`default_sources`.

Two kinds of cursor:

* :class:`IdSource`: the id of the last exported row of an append-only table. On
  PostgreSQL, ids are handed out when a row is inserted but become visible when its
  transaction commits, so with several ingest workers row 11 can be visible before row 10.
  The cursor therefore only moves over ids without holes; rows after a hole are written
  at once (and remembered in memory, so not written twice by this process) and a hole
  still unfilled after ``gap_grace_s`` is taken to be a rolled-back insert and skipped.
* local days (:class:`DailyUtilizationSource`, and ``PeopleDailySource`` in
  hub.timeseries.people): figures of a day that change after it (late data, a meeting's
  head count) are exported once the day is over and has settled (``settle``), in order.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.analytics.queries import load_spaces
from hub.analytics.timeline import build_timeline
from hub.analytics.utilization import daily_usage
from hub.db.models import DeviceStatusChange, OccupancyChange, Room
from hub.timeseries.org import OrgIndex
from hub.timeseries.points import DEVICE_STATUS, OCCUPANCY, UTILIZATION, TsPoint

_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class ReadContext:
    now: datetime  # wall clock (UTC)
    monotonic: float  # for the hole grace period
    org: OrgIndex
    batch_size: int
    settle: timedelta


@dataclass
class Batch:
    """Points read from one source, and the cursor that is durable once they are accepted."""

    points: list[TsPoint]
    cursor: int
    more: bool  # more rows are ready right now (read again without waiting)
    # Called after the server accepted ``points`` (id sources remember what was sent).
    on_accepted: Callable[[], None] | None = None


@dataclass(frozen=True)
class Behind:
    """How far a source's cursor is behind: rows not yet exported, or seconds of time."""

    rows: int | None = None
    seconds: float | None = None


class Source(ABC):
    #: The cursor's name in ``timeseries_cursors``; never rename (it would export again).
    name: ClassVar[str]

    @abstractmethod
    def read(self, session: Session, cursor: int, ctx: ReadContext) -> Batch: ...

    @abstractmethod
    def rewind_cursor(self, session: Session, since: datetime) -> int:
        """A cursor from which reading exports everything that happened from ``since`` on."""

    @abstractmethod
    def behind(self, session: Session, cursor: int, ctx: ReadContext) -> Behind: ...


# -- append-only tables, by id -------------------------------------------------------------


class IdSource(Source):
    """Rows of an append-only table with an autoincrement id and an event time."""

    model: ClassVar[Any]
    ts_column: ClassVar[str]

    def __init__(self, gap_grace_s: float = 30.0) -> None:
        self.gap_grace_s = gap_grace_s
        self._sent: set[int] = set()  # ids after the cursor this process has written
        self._holes: dict[int, float] = {}  # missing id -> when first seen (monotonic)

    @abstractmethod
    def point(self, row: Any, org: OrgIndex) -> TsPoint: ...

    def read(self, session: Session, cursor: int, ctx: ReadContext) -> Batch:
        id_column = self.model.id
        rows = session.scalars(
            select(self.model).where(id_column > cursor).order_by(id_column).limit(ctx.batch_size)
        ).all()
        durable = cursor
        waiting = False
        for row in rows:
            if row.id == durable + 1:
                durable = row.id
                continue
            first_seen = self._holes.setdefault(durable + 1, ctx.monotonic)
            if ctx.monotonic - first_seen >= self.gap_grace_s:
                durable = row.id  # a rolled-back insert: nothing will ever fill the hole
                continue
            waiting = True
            break
        points = [self.point(row, ctx.org) for row in rows if row.id not in self._sent]
        written = [row.id for row in rows]

        def accepted() -> None:
            self._sent.update(i for i in written if i > durable)
            self._sent = {i for i in self._sent if i > durable}
            self._holes = {i: t for i, t in self._holes.items() if i > durable}

        more = len(rows) == ctx.batch_size and not waiting
        return Batch(points, durable, more, accepted)

    def rewind_cursor(self, session: Session, since: datetime) -> int:
        ts = getattr(self.model, self.ts_column)
        first = session.scalar(select(func.min(self.model.id)).where(ts >= since))
        if first is None:
            return int(session.scalar(select(func.max(self.model.id))) or 0)
        return int(first) - 1

    def behind(self, session: Session, cursor: int, ctx: ReadContext) -> Behind:
        count = session.scalar(
            select(func.count()).select_from(self.model).where(self.model.id > cursor)
        )
        return Behind(rows=int(count or 0))


class OccupancySource(IdSource):
    """``occupancy_changes`` -> ``occupancy`` (occupied 0/1) at the terminal's event time."""

    name = "occupancy_changes"
    model = OccupancyChange
    ts_column = "ts"

    def point(self, row: OccupancyChange, org: OrgIndex) -> TsPoint:
        return TsPoint(
            OCCUPANCY,
            row.ts,
            {"occupied": int(row.occupied)},
            org.space_tags(row.space_kind, row.space_id),
        )


class DeviceStatusSource(IdSource):
    """``device_status_changes`` -> ``device_status`` (online 0/1) when it changed."""

    name = "device_status_changes"
    model = DeviceStatusChange
    ts_column = "at"

    def point(self, row: DeviceStatusChange, org: OrgIndex) -> TsPoint:
        return TsPoint(
            DEVICE_STATUS, row.at, {"online": int(row.online)}, org.device_tags(row.device_id)
        )


# -- settled facts, by time ------------------------------------------------------------------


class DailyUtilizationSource(Source):
    """Utilization of every room per local day (hub/analytics), once the day is over.

    Cursor: the ordinal (``date.toordinal()``) of the last local date exported. A day is
    written when it ended ``settle`` ago in every room's time zone, at most a week per
    read; the point's time is the local midnight starting the day (docs/utilization.md
    has the definitions of the fields).
    """

    name = "utilization_daily"
    max_days = 7

    def read(self, session: Session, cursor: int, ctx: ReadContext) -> Batch:
        zones = [ZoneInfo(tz) for tz in set(session.scalars(select(Room.timezone)))]
        if not zones:
            return Batch([], cursor, False)
        days = settled_days(
            cursor,
            lambda: session.scalar(select(func.min(OccupancyChange.ts))),
            zones,
            self.max_days,
            ctx,
        )
        if not days:
            return Batch([], cursor, False)
        lo, hi = days_span(days, zones)
        spaces = load_spaces(
            session, room_ids=list(ctx.org.rooms), desk_ids=(), start=lo, end=hi, now=ctx.now
        )
        wanted = set(days)
        points: list[TsPoint] = []
        for space in spaces:
            start = space.schedule.day_bounds(days[0])[0]
            end = space.schedule.day_bounds(days[-1])[1]
            segments = build_timeline(
                space.changes, space.offline, start=start, end=end, now=ctx.now
            )
            place = ctx.org.rooms.get(space.id)
            tags = place.tags() if place is not None else {"room_id": space.id}
            for used in daily_usage(segments, space.schedule, start=start, end=end, now=ctx.now):
                if used.day not in wanted:
                    continue
                usage = used.usage
                fields: dict[str, int | float] = {
                    "working_hours": usage.working / _HOUR,
                    "known_hours": usage.known / _HOUR,
                    "occupied_hours": usage.occupied / _HOUR,
                    "occupied_hours_total": usage.occupied_total / _HOUR,
                    "working_day": int(used.working_day),
                }
                if usage.utilization is not None:
                    fields["utilization"] = usage.utilization
                if usage.coverage is not None:
                    fields["coverage"] = usage.coverage
                points.append(
                    TsPoint(UTILIZATION, space.schedule.day_bounds(used.day)[0], fields, tags)
                )
        more = day_over(days[-1] + timedelta(days=1), zones) + ctx.settle <= ctx.now
        return Batch(points, days[-1].toordinal(), more)

    def rewind_cursor(self, session: Session, since: datetime) -> int:
        return (since.date() - timedelta(days=1)).toordinal()

    def behind(self, session: Session, cursor: int, ctx: ReadContext) -> Behind:
        if cursor == 0:
            return Behind(seconds=None)
        day = date.fromordinal(cursor + 1)
        zones = [ZoneInfo(tz) for tz in set(session.scalars(select(Room.timezone)))] or [
            ZoneInfo("UTC")
        ]
        ready = day_over(day, zones) + ctx.settle
        return Behind(seconds=max((ctx.now - ready).total_seconds(), 0.0))


def settled_days(
    cursor: int,
    first_data: Callable[[], datetime | None],
    zones: Sequence[ZoneInfo],
    max_days: int,
    ctx: ReadContext,
) -> list[date]:
    """The local days after ``cursor`` (a date's ordinal; 0: from the day before the first
    data) that ended ``ctx.settle`` ago in every zone, at most ``max_days`` of them."""
    if cursor == 0:
        first = first_data()
        if first is None:
            return []
        day = first.date() - timedelta(days=1)
    else:
        day = date.fromordinal(cursor + 1)
    days: list[date] = []
    while len(days) < max_days and day_over(day, zones) + ctx.settle <= ctx.now:
        days.append(day)
        day += timedelta(days=1)
    return days


def days_span(days: Sequence[date], zones: Sequence[ZoneInfo]) -> tuple[datetime, datetime]:
    """From the first day's earliest local midnight to the end of the last day's latest."""
    lo = min(local_midnight(days[0], z) for z in zones)
    hi = max(local_midnight(days[-1] + timedelta(days=1), z) for z in zones)
    return lo, hi


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)


def day_over(day: date, zones: Sequence[ZoneInfo]) -> datetime:
    """When ``day`` is over in every one of the zones."""
    return max(local_midnight(day + timedelta(days=1), zone) for zone in zones)


def default_sources(gap_grace_s: float = 30.0) -> list[Source]:
    # Imported here: hub.timeseries.people builds on this module.
    from hub.timeseries.people import PeopleDailySource

    return [
        OccupancySource(gap_grace_s),
        DeviceStatusSource(gap_grace_s),
        PeopleDailySource(),
        DailyUtilizationSource(),
    ]
