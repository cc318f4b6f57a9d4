"""The period a what-if run replays: local dates ``[first, last)`` in the site's time zone.

By default the last full calendar quarter before the hub's now (on 2026-05-14 that is
2026-01-01 to 2026-04-01).
"""

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

#: Longest period, as for the analytics.
MAX_DAYS = 366


QUARTER = relativedelta(months=3)


def last_full_quarter(today: date) -> tuple[date, date]:
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return this_quarter - QUARTER, this_quarter


def site_zone(zones: Iterable[str]) -> ZoneInfo:
    """The time zone of the rooms in scope (the most common one, if they differ); UTC if none."""
    counts = Counter(zones)
    if not counts:
        return ZoneInfo("UTC")
    best = max(sorted(counts), key=lambda name: counts[name])
    return ZoneInfo(best)


def resolve_period(
    first: date | None, last: date | None, now: datetime, zone: ZoneInfo
) -> tuple[date, date]:
    """The period to replay; ValueError with a message for an impossible one."""
    default_first, default_last = last_full_quarter(now.astimezone(zone).date())
    if first is None and last is None:
        return default_first, default_last
    # One end given: a quarter from (or up to) it.
    if last is None:
        last = first + QUARTER if first is not None else default_last
    if first is None:
        first = last - QUARTER
    if last <= first:
        raise ValueError(f"the period's end ({last}) must be after its start ({first})")
    if (last - first).days > MAX_DAYS:
        raise ValueError(f"the period is {(last - first).days} days; ask for at most {MAX_DAYS}")
    return first, last


def bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as UTC instants, from local midnight to local midnight."""
    return (
        datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC),
        datetime.combine(last, time(0), tzinfo=zone).astimezone(UTC),
    )
