"""People per room and local day, for the time series: only over at least MIN_GROUP meetings.

A meeting's head count (``booking_occurrences.peak_people``, from the headcount bands) is a
people-derived figure, and the time-series server has no access control of its own (whoever
may open the Grafana dashboard sees every room). So no single meeting's count is written:
per room and local day of the meetings' start, the meetings with a sensor head count are
one group, and the day's point (``people_daily``: ``meetings``, ``peak``, ``median``) is
written only when the group has at least ``MIN_GROUP`` meetings (hub.analytics.k_anonymity).
A day with fewer has no point at all.

Cursor: the ordinal (``date.toordinal()``) of the last local date exported; a day is
written once it is over in every room's time zone and ``settle`` has passed, so the counts
set at the end of its last meetings are included.
"""

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.analytics.k_anonymity import shown
from hub.db.models import BookingOccurrence, Room
from hub.timeseries.points import PEOPLE_DAILY, TsPoint
from hub.timeseries.sources import (
    Batch,
    Behind,
    ReadContext,
    Source,
    day_over,
    days_span,
    local_midnight,
    settled_days,
)

_MEASURED = (
    BookingOccurrence.space_kind == "room",
    BookingOccurrence.peak_people >= 1,
    BookingOccurrence.state != "cancelled",
)


class PeopleDailySource(Source):
    """Meetings with a sensor head count, per room and local day -> ``people_daily``."""

    name = "people_daily"
    max_days = 31

    def read(self, session: Session, cursor: int, ctx: ReadContext) -> Batch:
        zones = _zones(session)
        if not zones:
            return Batch([], cursor, False)
        days = settled_days(
            cursor,
            lambda: session.scalar(select(func.min(BookingOccurrence.starts_at)).where(*_MEASURED)),
            zones,
            self.max_days,
            ctx,
        )
        if not days:
            return Batch([], cursor, False)
        lo, hi = days_span(days, zones)
        wanted = set(days)
        counts: dict[tuple[str, date], list[int]] = defaultdict(list)
        zone_of: dict[str, ZoneInfo] = {}
        for room_id, starts_at, people, timezone in session.execute(
            select(
                BookingOccurrence.space_id,
                BookingOccurrence.starts_at,
                BookingOccurrence.peak_people,
                Room.timezone,
            )
            .join(Room, Room.id == BookingOccurrence.space_id)
            .where(*_MEASURED, BookingOccurrence.starts_at >= lo, BookingOccurrence.starts_at < hi)
        ):
            zone = zone_of.setdefault(room_id, ZoneInfo(timezone))
            local_day = starts_at.astimezone(zone).date()
            if local_day in wanted and people is not None:
                counts[(room_id, local_day)].append(people)
        points = [
            TsPoint(
                PEOPLE_DAILY,
                local_midnight(local_day, zone_of[room_id]),
                {"meetings": len(people), "peak": max(people), "median": _median(people)},
                ctx.org.space_tags("room", room_id),
            )
            for (room_id, local_day), people in sorted(counts.items())
            if shown(len(people))
        ]
        more = day_over(days[-1] + timedelta(days=1), zones) + ctx.settle <= ctx.now
        return Batch(points, days[-1].toordinal(), more)

    def rewind_cursor(self, session: Session, since: datetime) -> int:
        return (since.date() - timedelta(days=1)).toordinal()

    def behind(self, session: Session, cursor: int, ctx: ReadContext) -> Behind:
        if cursor == 0:
            return Behind(seconds=None)
        ready = day_over(date.fromordinal(cursor + 1), _zones(session) or [ZoneInfo("UTC")])
        return Behind(seconds=max((ctx.now - ready - ctx.settle).total_seconds(), 0.0))


def _zones(session: Session) -> list[ZoneInfo]:
    return [ZoneInfo(tz) for tz in sorted(set(session.scalars(select(Room.timezone))))]


def _median(people: list[int]) -> float:
    return float(statistics.median(people))
