"""Right-sizing and the hour buckets of the heatmap: pure functions, hand-computed."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hub.analytics.booked import hour_edges, spread, to_us, union
from hub.analytics.rightsizing import MIN_GROUP, right_size

HOUR = 3_600_000_000


def test_the_example_from_the_issue() -> None:
    # 12 seats, small limit floor(12 / 4) = 3; people 1, 2, 3, 3, 12: four of five <= 3.
    counts = [(3, "sensor"), (2, "sensor"), (12, "attendees"), (3, "attendees"), (1, "sensor")]
    result = right_size(12, counts)
    assert result.recommendation == "downsize"
    assert result.message == "12-seat room used by 3 or fewer people in 80% of its meetings"
    assert (result.people_source, result.from_sensor, result.from_attendees) == ("mixed", 3, 2)
    assert (result.median_people, result.p80_people, result.small_limit) == (3, 3, 3)
    assert result.small_share == 0.8 and result.over_capacity_share == 0


def test_four_meetings_are_withheld_five_are_shown() -> None:
    assert MIN_GROUP == 5
    four = right_size(12, [(2, "sensor")] * 4)
    assert four.meetings == 4 and four.from_sensor == 4
    assert four.median_people is four.p80_people is four.recommendation is four.small_share is None
    assert four.withheld and "at least 5" in four.withheld
    five = right_size(12, [(2, "sensor")] * 5)
    assert five.withheld is None and five.median_people == 2


def test_upsize_and_fits() -> None:
    # 4 seats: 5 and 6 people in 2 of 8 meetings = 25% over capacity.
    crowded = right_size(4, [(5, "sensor"), (6, "sensor")] + [(3, "sensor")] * 6)
    assert crowded.recommendation == "upsize"
    assert crowded.message == "4-seat room had more people than seats in 25% of its meetings"
    fine = right_size(8, [(4, "attendees"), (5, "attendees"), (6, "attendees"), (2, "attendees"),
                          (8, "attendees")])  # fmt: skip
    assert (fine.recommendation, fine.people_source) == ("fits", "attendees")
    # Fewer than 4 seats: nothing is "a quarter of the seats or fewer"; never downsize.
    tiny = right_size(3, [(1, "sensor")] * 5)
    assert (tiny.small_limit, tiny.recommendation) == (0, "fits")


def test_local_hours_on_clock_change_days() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    spring = hour_edges(berlin, date(2025, 3, 30))  # 02:00-03:00 does not exist
    assert spring[3] - spring[2] == 0 and spring[24] - spring[0] == 23 * HOUR
    autumn = hour_edges(berlin, date(2025, 10, 26))  # 02:00-03:00 happens twice
    assert autumn[3] - autumn[2] == 2 * HOUR and autumn[24] - autumn[0] == 25 * HOUR
    # 01:30-03:30 local on the autumn day: 30 min in hour 1, 2 h in hour 2, 30 min in hour 3.
    lo = to_us(datetime(2025, 10, 25, 23, 30, tzinfo=UTC))
    buckets = [0] * 24
    spread([(lo, lo + 3 * HOUR)], autumn, buckets)
    assert buckets[1:4] == [HOUR // 2, 2 * HOUR, HOUR // 2]


def test_overlapping_bookings_count_once() -> None:
    assert union([(0, 10), (5, 20), (30, 40), (40, 45)]) == [(0, 20), (30, 45)]
