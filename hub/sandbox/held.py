"""Which booking occurrences a replay takes, and how many people each one had.

A meeting was **held** when it started, was checked in (by the sensors, the API, a display
or a voice command) and was not released as a no-show: states ``checked_in`` and ``ended``,
or ``released`` after a check-in (abandoned or released by hand: it held the room until
the release). No-shows, cancellations and bookings nobody checked in freed their slot and
are only counted. People (docs/utilization.md, section 11): the sensor head count
(``peak_people``, from the fusion headcount bands) where one was measured, otherwise the
invitation (organizer + attendees + external attendees); with neither, one person.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hub.analytics.booked import NO_SHOW, Meeting
from hub.sandbox.model import HeldMeeting


@dataclass(frozen=True)
class Skipped:
    """Occurrences of the period that were not replayed, by reason."""

    cancelled: int = 0
    not_started: int = 0  # still in the future at the hub's now
    no_show: int = 0
    not_checked_in: int = 0
    no_time: int = 0  # released the moment it started: it held the room for no time


def held_meetings(
    occurrences: Iterable[tuple[str, Meeting]], now: datetime
) -> tuple[list[HeldMeeting], Skipped]:
    """``occurrences``: (room id, occurrence) pairs of meeting-room bookings."""
    held = []
    skipped = dict.fromkeys(Skipped.__dataclass_fields__, 0)
    for room_id, occ in occurrences:
        if not occ.counted:
            skipped["cancelled"] += 1
        elif occ.starts_at > now:
            skipped["not_started"] += 1
        elif occ.state == "released" and occ.release_reason == NO_SHOW:
            skipped["no_show"] += 1
        elif occ.checked_in_at is None:
            skipped["not_checked_in"] += 1
        elif occ.booked_end <= occ.starts_at:
            skipped["no_time"] += 1
        else:
            if occ.peak_people is not None and occ.peak_people >= 1:
                people, source = occ.peak_people, "sensor"
            elif occ.invited >= 1:
                people, source = occ.invited, "attendees"
            else:
                people, source = 1, "unknown"
            held.append(HeldMeeting(occ.id, room_id, occ.starts_at, occ.booked_end, people, source))
    return held, Skipped(**skipped)
