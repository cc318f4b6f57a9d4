"""Right-sizing: how many people a room's meetings really have, against its seats.

People-derived, so published only for groups of at least ``MIN_GROUP`` meetings
(hub.analytics.k_anonymity, docs/utilization.md section 12): below that every figure about
people is None and ``withheld`` says why. The recommendations' thresholds are the constants
below.
"""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# MIN_GROUP is re-exported: callers have long imported it from here.
from hub.analytics.k_anonymity import MIN_GROUP as MIN_GROUP
from hub.analytics.k_anonymity import withheld

#: "Oversized": at least this share of meetings had ``SMALL_FRACTION`` of the seats or fewer.
SMALL_SHARE = 0.8
SMALL_FRACTION = 0.25
#: "Undersized": at least this share of meetings had more people than seats.
OVER_SHARE = 0.2

SENSOR, ATTENDEES = "sensor", "attendees"


@dataclass(frozen=True)
class RightSizing:
    capacity: int
    meetings: int  # held meetings with a head count (from either source)
    people_source: str | None  # sensor | attendees | mixed; None when there are none
    from_sensor: int
    from_attendees: int
    median_people: float | None = None
    p80_people: int | None = None
    small_limit: int | None = None  # "used by this many people or fewer"
    small_share: float | None = None
    over_capacity_share: float | None = None
    recommendation: str | None = None  # downsize | upsize | fits
    message: str | None = None
    withheld: str | None = None  # why the figures about people are None


def right_size(capacity: int, counts: Sequence[tuple[int, str]]) -> RightSizing:
    """``counts``: (people, source) of each held meeting of one room."""
    n = len(counts)
    sensor = sum(1 for _, source in counts if source == SENSOR)
    source = None if n == 0 else SENSOR if sensor == n else ATTENDEES if sensor == 0 else "mixed"
    base = RightSizing(capacity, n, source, sensor, n - sensor)
    reason = withheld(n, "meeting(s) with a head count")
    if reason is not None:
        return RightSizing(**{**base.__dict__, "withheld": reason})
    people = sorted(p for p, _ in counts)
    limit = math.floor(capacity * SMALL_FRACTION)
    small = sum(1 for p in people if p <= limit) / n
    over = sum(1 for p in people if p > capacity) / n
    p80 = people[math.ceil(0.8 * n) - 1]
    if limit >= 1 and small >= SMALL_SHARE:
        recommendation = "downsize"
        message = (
            f"{capacity}-seat room used by {limit} or fewer people in "
            f"{round(small * 100)}% of its meetings"
        )
    elif over >= OVER_SHARE:
        recommendation = "upsize"
        message = (
            f"{capacity}-seat room had more people than seats in "
            f"{round(over * 100)}% of its meetings"
        )
    else:
        recommendation, message = "fits", f"{capacity}-seat room fits its meetings"
    return RightSizing(
        **{
            **base.__dict__,
            "median_people": float(statistics.median(people)),
            "p80_people": p80,
            "small_limit": limit,
            "small_share": small,
            "over_capacity_share": over,
            "recommendation": recommendation,
            "message": message,
        }
    )
