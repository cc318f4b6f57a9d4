"""Report periods: which local dates a daily, weekly or monthly report covers, and which are due.

Pure date arithmetic, no database. Weeks are ISO weeks (Monday to Sunday); a month is a
calendar month. A period is ``[first, last)`` in local dates, like the dashboards' ranges.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args
from zoneinfo import ZoneInfo

Period = Literal["daily", "weekly", "monthly"]
PERIODS: tuple[Period, ...] = get_args(Period)


@dataclass(frozen=True, slots=True)
class Span:
    """The local dates ``[first, last)`` one report covers."""

    period: Period
    first: dt.date
    last: dt.date

    @property
    def label(self) -> str:
        """How people name it: 2026-01-05, week 2026-W02, 2026-01."""
        if self.period == "daily":
            return self.first.isoformat()
        if self.period == "weekly":
            year, week, _ = self.first.isocalendar()
            return f"week {year}-W{week:02d}"
        return self.first.strftime("%Y-%m")


def check_period(period: str) -> Period:
    if period not in PERIODS:
        raise ValueError(f"the period must be one of {', '.join(PERIODS)}, not {period!r}")
    return period


def span_of(period: Period, day: dt.date) -> Span:
    """The period of the given kind that contains ``day``."""
    if period == "daily":
        return Span(period, day, day + dt.timedelta(days=1))
    if period == "weekly":
        monday = day - dt.timedelta(days=day.weekday())
        return Span(period, monday, monday + dt.timedelta(days=7))
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Span(period, first, following)


def previous_span(period: Period, today: dt.date) -> Span:
    """The last whole period before the one ``today`` is in: yesterday, last week, last month."""
    return span_of(period, span_of(period, today).first - dt.timedelta(days=1))


def due_spans(now: dt.datetime, zone: ZoneInfo, settle: dt.timedelta) -> list[Span]:
    """The latest finished daily, weekly and monthly periods at ``now``.

    A period is finished ``settle`` after local midnight at its end, so that late data (a
    terminal's spool emptying after an outage) is in. Only the latest of each kind is due: a
    hub that was down on a Monday builds last week's report when it is back, not older ones.
    """
    today = (now.astimezone(zone) - settle).date()
    return [previous_span(period, today) for period in PERIODS]
