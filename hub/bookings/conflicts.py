"""Whether requested times collide with other bookings of the same space.

Only occurrences that still hold the space block it: ``booked`` and ``checked_in``.
Released, cancelled and ended ones do not. Intervals are half-open, [start, end), so a
meeting ending at 10:00 and one starting at 10:00 are fine.
"""

from bisect import bisect_left
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.bookings.errors import BookingConflict, Clash
from hub.bookings.series import Interval
from hub.db.models import BookingOccurrence

BLOCKING_STATES = ("booked", "checked_in")
#: No occurrence is longer than this (the service refuses longer ones); bounds the search.
MAX_DURATION = timedelta(hours=24)


def find_clashes(
    session: Session,
    space_kind: str,
    space_id: str,
    times: list[Interval],
    *,
    exclude_booking_id: str | None = None,
) -> list[Clash]:
    """Occurrences of other bookings of the space that overlap any of ``times``."""
    if not times:
        return []
    low = min(start for start, _ in times)
    high = max(end for _, end in times)
    query = (
        select(BookingOccurrence)
        .where(
            BookingOccurrence.space_kind == space_kind,
            BookingOccurrence.space_id == space_id,
            BookingOccurrence.state.in_(BLOCKING_STATES),
            BookingOccurrence.starts_at < high,
            BookingOccurrence.ends_at > low,
        )
        .order_by(BookingOccurrence.starts_at, BookingOccurrence.id)
    )
    if exclude_booking_id is not None:
        query = query.where(BookingOccurrence.booking_id != exclude_booking_id)
    others = list(session.scalars(query))
    starts = [row.starts_at for row in others]
    clashes: dict[int, Clash] = {}
    for start, end in sorted(times):
        # Candidates start before `end` and, being at most MAX_DURATION long, after this.
        first = bisect_left(starts, start - MAX_DURATION)
        last = bisect_left(starts, end)
        for row in others[first:last]:
            if row.starts_at < end and start < row.ends_at and row.id not in clashes:
                clashes[row.id] = Clash(row.booking_id, row.id, row.starts_at, row.ends_at)
    return sorted(clashes.values(), key=lambda clash: (clash.starts_at, clash.occurrence_id))


def check_free(
    session: Session,
    space_kind: str,
    space_id: str,
    times: list[Interval],
    *,
    exclude_booking_id: str | None = None,
) -> None:
    """Raise :class:`BookingConflict` naming what is in the way, if anything is."""
    clashes = find_clashes(
        session, space_kind, space_id, times, exclude_booking_id=exclude_booking_id
    )
    if clashes:
        raise BookingConflict(clashes)
