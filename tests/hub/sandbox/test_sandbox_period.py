"""The period a run replays: by default the last full quarter before now, in the site's zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from hub.sandbox.period import bounds, last_full_quarter, resolve_period, site_zone

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("today", "quarter"),
    [
        (date(2026, 5, 14), (date(2026, 1, 1), date(2026, 4, 1))),
        (date(2026, 4, 1), (date(2026, 1, 1), date(2026, 4, 1))),
        (date(2026, 3, 31), (date(2025, 10, 1), date(2026, 1, 1))),
        (date(2026, 1, 1), (date(2025, 10, 1), date(2026, 1, 1))),
        (date(2026, 12, 31), (date(2026, 7, 1), date(2026, 10, 1))),
    ],
)
def test_the_last_full_quarter(today: date, quarter: tuple[date, date]) -> None:
    assert last_full_quarter(today) == quarter


def test_now_is_read_in_the_sites_zone() -> None:
    # 23:30 UTC on 31 March is already 1 April in Berlin: the first quarter is over there.
    now = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert resolve_period(None, None, now, BERLIN) == (date(2026, 1, 1), date(2026, 4, 1))
    assert resolve_period(None, None, now, ZoneInfo("UTC")) == (date(2025, 10, 1), date(2026, 1, 1))
    start, end = bounds(date(2026, 1, 1), date(2026, 4, 1), BERLIN)
    assert (start, end) == (
        datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),  # summer time from 29 March
    )


def test_one_end_makes_a_quarter_and_bad_periods_are_refused() -> None:
    now = datetime(2026, 5, 14, tzinfo=UTC)
    assert resolve_period(date(2026, 2, 1), None, now, BERLIN) == (
        date(2026, 2, 1),
        date(2026, 5, 1),
    )
    assert resolve_period(None, date(2026, 2, 1), now, BERLIN) == (
        date(2025, 11, 1),
        date(2026, 2, 1),
    )
    with pytest.raises(ValueError, match="must be after its start"):
        resolve_period(date(2026, 2, 1), date(2026, 2, 1), now, BERLIN)
    with pytest.raises(ValueError, match="at most 366"):
        resolve_period(date(2025, 1, 1), date(2026, 2, 1), now, BERLIN)


def test_the_sites_zone_is_the_rooms_most_common_one() -> None:
    assert site_zone(["Europe/Berlin", "Europe/London", "Europe/Berlin"]).key == "Europe/Berlin"
    assert site_zone(["Europe/London", "Europe/Berlin"]).key == "Europe/Berlin"  # a tie: by name
    assert site_zone([]).key == "UTC"
