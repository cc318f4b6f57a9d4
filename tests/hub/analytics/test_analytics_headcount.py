"""Meeting head counts from headcount bands (issue 8): the highest band held for a few
minutes in one stretch; the top band is a lower bound."""

from datetime import UTC, datetime, timedelta

from hub.analytics.headcount import MIN_HOLD, BandPoint, band_label, meeting_head_count
from hub.analytics.timeline import OccupancyPoint, State, build_timeline

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
END = START + timedelta(hours=1)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def bands(*points: tuple[float, int | None]) -> list[BandPoint]:
    return [BandPoint(at(m), b != 0, b, 3) for m, b in points]


def test_the_highest_band_held_long_enough_is_the_head_count() -> None:
    # 2 people for 20 min, a third puts their head in for a minute.
    assert meeting_head_count(bands((-5, 0), (1, 2), (20, 3), (21, 2), (40, 0)), START, END) == 2
    # Up and down between 3 and the top band still holds "at least 3" for 10 minutes.
    assert meeting_head_count(bands((1, 3), (5, 3), (8, 3), (11, 1)), START, END) == 3


def test_the_hold_must_be_one_stretch_and_inside_the_meeting() -> None:
    short = MIN_HOLD - timedelta(seconds=1)
    minutes = short.total_seconds() / 60
    flicker = bands((1, 2), (1 + minutes, 1), (10, 2), (10 + minutes, 1))
    assert meeting_head_count(flicker, START, END) == 1
    # Four people before the meeting do not count; the one in force at the start does.
    assert meeting_head_count(bands((-30, 4), (-1, 1)), START, END) == 1


def test_an_unknown_number_or_an_empty_room_gives_no_head_count() -> None:
    assert meeting_head_count(bands((1, None)), START, END) is None
    assert meeting_head_count(bands((1, 0)), START, END) is None
    assert meeting_head_count([], START, END) is None


def test_band_labels_show_the_top_band_as_or_more() -> None:
    assert [band_label(b, 3) for b in (0, 2, 3)] == ["0", "2", "3+"]
    assert band_label(None, 3) is None and band_label(4, None) == "4"


def test_a_repeated_occupied_value_is_no_change_in_the_timeline() -> None:
    """Band-only reports repeat ``occupied``: utilization and check-in see one stretch."""
    changes = [
        OccupancyPoint(at(0), True),
        OccupancyPoint(at(5), True),
        OccupancyPoint(at(9), True),
    ]
    segments = build_timeline(changes, [], start=START, end=END, now=at(20))
    assert [(s.start, s.end, s.state) for s in segments] == [(at(0), at(20), State.OCCUPIED)]
