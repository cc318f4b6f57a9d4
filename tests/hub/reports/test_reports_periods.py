"""Report periods and what the runner finds due, on plain dates and a fake clock's times."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.reports.periods import Span, check_period, due_spans, previous_span, span_of
from hub.reports.runner import plan
from hub.reports.scope import Audience, Focus

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def test_spans_of_each_period() -> None:
    assert span_of("daily", date(2026, 1, 5)) == Span("daily", date(2026, 1, 5), date(2026, 1, 6))
    # ISO weeks run Monday to Sunday; 2026-01-01 is a Thursday of week 2026-W01.
    week = span_of("weekly", date(2026, 1, 1))
    assert (week.first, week.last, week.label) == (
        date(2025, 12, 29), date(2026, 1, 5), "week 2026-W01"
    )  # fmt: skip
    assert span_of("weekly", date(2026, 1, 4)) == week  # a Sunday
    feb = span_of("monthly", date(2028, 2, 29))
    assert (feb.first, feb.last, feb.label) == (date(2028, 2, 1), date(2028, 3, 1), "2028-02")
    assert span_of("monthly", date(2025, 12, 31)).last == date(2026, 1, 1)


def test_previous_spans() -> None:
    monday = date(2026, 1, 5)
    assert previous_span("daily", monday).first == date(2026, 1, 4)
    assert previous_span("weekly", monday).first == date(2025, 12, 29)
    assert previous_span("weekly", date(2026, 1, 11)).first == date(2025, 12, 29)  # Sunday
    assert previous_span("monthly", date(2026, 1, 1)).first == date(2025, 12, 1)
    assert previous_span("monthly", date(2026, 3, 31)).first == date(2026, 2, 1)


def test_due_waits_for_the_settle_time_after_local_midnight() -> None:
    # Monday 2026-01-05 00:30 in Berlin is Sunday 23:30 UTC.
    before = datetime(2026, 1, 4, 23, 30, tzinfo=UTC)
    firsts = {s.period: s.first for s in due_spans(before, BERLIN, HOUR)}
    assert firsts == {
        "daily": date(2026, 1, 3),
        "weekly": date(2025, 12, 22),
        "monthly": date(2025, 12, 1),
    }
    after = before + HOUR
    firsts = {s.period: s.first for s in due_spans(after, BERLIN, HOUR)}
    assert firsts["daily"] == date(2026, 1, 4)
    assert firsts["weekly"] == date(2025, 12, 29)  # built on Monday, once settled


def test_plan_builds_only_what_is_missing() -> None:
    now = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
    everyone = [Audience("all"), Audience("department:exec")]
    spans = due_spans(now, BERLIN, HOUR)
    todo = plan(now, BERLIN, HOUR, everyone, {})
    assert len(todo) == 6
    have = {spans[0]: {"all"}, spans[1]: {"all", "department:exec"}}
    left = plan(now, BERLIN, HOUR, everyone, have)
    assert [(d.span.period, d.audience.key) for d in left] == [
        ("daily", "department:exec"),
        ("monthly", "all"),
        ("monthly", "department:exec"),
    ]


def test_bad_periods_and_scopes_are_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="daily, weekly, monthly"):
        check_period("yearly")
    assert Focus.parse(None) == Focus()
    assert Focus.parse("floor:hq-main-f1") == Focus("floor", "hq-main-f1")
    for bad in ("room:hq-f1-aurora", "floor:", "site:HQ", "floor"):
        with pytest.raises(ValueError, match="scope must be"):
            Focus.parse(bad)
