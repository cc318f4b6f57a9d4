"""Working hours of a space in its own time zone, and the local calendar days of a range.

Everything is converted to UTC instants through ``zoneinfo``, so lengths are real
elapsed time: 08:00-16:00 on a daylight-saving day is still 8 hours, and a local day
is 23 or 25 hours long when the clocks change.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.analytics.timeline import require_aware

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkSchedule:
    """When a space is meant to be used. ``weekdays`` are ``date.weekday()`` numbers (Mon = 0).

    ``holidays`` are local dates of the site's holiday calendar; they have no working
    hours at all, whatever their weekday.
    """

    timezone: ZoneInfo
    start: time
    end: time
    weekdays: frozenset[int]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times without a time zone")
        # The terminal config refuses overnight shifts too (end must be later than start).
        if self.end <= self.start:
            raise ValueError(f"working hours end {self.end} must be later than start {self.start}")
        if not self.weekdays <= frozenset(range(7)):
            got = sorted(self.weekdays)
            raise ValueError(f"weekdays must be numbers 0 (Monday) to 6, got {got}")

    @classmethod
    def from_names(
        cls,
        timezone: str,
        start: time,
        end: time,
        days: Iterable[str],
        holidays: Iterable[date] = (),
    ) -> "WorkSchedule":
        """From the stored form: an IANA zone name and weekday names like ``"mon"``."""
        weekdays = set()
        for name in days:
            if name not in WEEKDAY_NAMES:
                raise ValueError(f"unknown weekday {name!r}; use one of {', '.join(WEEKDAY_NAMES)}")
            weekdays.add(WEEKDAY_NAMES.index(name))
        return cls(ZoneInfo(timezone), start, end, frozenset(weekdays), frozenset(holidays))

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The local calendar day as UTC instants ``[midnight, next midnight)``."""
        return self._utc(day, time(0)), self._utc(day + ONE_DAY, time(0))

    def working_window(self, day: date) -> tuple[datetime, datetime] | None:
        """Local ``start..end`` of ``day`` as UTC instants, or None on a non-working day."""
        if not self.is_working_day(day):
            return None
        return self._utc(day, self.start), self._utc(day, self.end)

    def local_days(self, start: datetime, end: datetime) -> Iterator[date]:
        """The local dates whose day overlaps ``[start, end)``, in order."""
        require_aware(start=start, end=end)
        # Begin a day early: near a zone's odd midnight transitions the local date of
        # ``start`` is not always the day that contains it.
        day = start.astimezone(self.timezone).date() - ONE_DAY
        while True:
            lo, hi = self.day_bounds(day)
            if lo >= end:
                return
            if hi > start:
                yield day
            day += ONE_DAY

    def _utc(self, day: date, clock: time) -> datetime:
        # fold=0 (PEP 495): a wall time skipped by a spring-forward gap is read with the
        # offset from before the gap (02:30 becomes 03:30); an ambiguous one is the first.
        return datetime.combine(day, clock, tzinfo=self.timezone).astimezone(UTC)
