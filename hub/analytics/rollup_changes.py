"""What changed since the last rollup refresh: which spaces' days must be recomputed.

The high-water marks of the raw tables saved with each refresh, the earliest raw row (where
a full rebuild starts), the per-space spans to recompute (with a day of margin for meetings
that began the evening before), and the occurrences that are new, changed or gone since.
Apart from hub.analytics.rollups, which drives a refresh, because it holds the rules of
docs/utilization.md, section 14 on what a new row makes stale.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from hub.analytics.rollup_compute import SpaceKey, load_meetings
from hub.analytics.rollup_store import chunks
from hub.db.models import (
    Booking,
    BookingDecision,
    BookingOccurrence,
    DeviceStatusChange,
    OccupancyChange,
    analytics_meetings,
)

MARGIN = timedelta(days=1)  # meetings that began the day before


def high_water_marks(session: Session) -> dict[str, Any]:
    """The highest id (or update time) of each raw table: rows above them are new next time."""
    return {
        "occupancy_change_id": session.scalar(select(func.max(OccupancyChange.id))) or 0,
        "status_change_id": session.scalar(select(func.max(DeviceStatusChange.id))) or 0,
        "occurrence_id": session.scalar(select(func.max(BookingOccurrence.id))) or 0,
        "decision_id": session.scalar(select(func.max(BookingDecision.id))) or 0,
        "booking_updated_at": session.scalar(select(func.max(Booking.updated_at))),
    }


def earliest_raw_time(session: Session, now: datetime) -> datetime:
    """The time of the first raw row (``now`` if none): where a full rebuild starts."""
    candidates = [
        session.scalar(select(func.min(OccupancyChange.ts))),
        session.scalar(select(func.min(BookingOccurrence.starts_at))),
        session.scalar(select(func.min(DeviceStatusChange.at))),
    ]
    return min([c for c in candidates if c is not None] or [now])


class DirtySpans:
    """Per space, the span of time whose days must be recomputed."""

    def __init__(self, now: datetime, covers_from: datetime) -> None:
        self.now = now
        self.covers_from = covers_from
        self.spans: dict[SpaceKey, tuple[datetime, datetime]] = {}

    def add(self, key: SpaceKey, lo: datetime, hi: datetime | None, margin: bool = True) -> None:
        hi = self.now if hi is None else min(hi, self.now)
        lo = max(lo - MARGIN if margin else lo, self.covers_from)
        if lo >= hi:
            return
        old = self.spans.get(key)
        self.spans[key] = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)


def changed_meetings(session: Session, state: Any, dirty: DirtySpans) -> None:
    since = state.refreshed_at - MARGIN
    bookings = set(
        session.scalars(
            select(BookingDecision.booking_id).where(BookingDecision.id > state.decision_id)
        )
    )
    if state.booking_updated_at is not None:
        bookings |= set(
            session.scalars(select(Booking.id).where(Booking.updated_at > state.booking_updated_at))
        )
    conditions = [
        BookingOccurrence.id > state.occurrence_id,
        (BookingOccurrence.ends_at > since) & (BookingOccurrence.starts_at < dirty.now),
    ]
    for chunk in chunks(sorted(bookings), 500):
        conditions.append(BookingOccurrence.booking_id.in_(chunk))
    current = load_meetings(session, or_(*conditions))
    found = {m.id: (key, m) for key, ms in current.items() for m in ms}
    stored: dict[int, Any] = {}
    m = analytics_meetings.c
    for chunk in chunks(sorted(found), 500):
        for row in session.execute(
            select(
                m.occurrence_id, m.space_kind, m.space_id, m.starts_at, m.ends_at, m.fingerprint
            ).where(m.occurrence_id.in_(chunk))
        ):
            stored[row.occurrence_id] = row
    for occ_id, (key, meeting) in found.items():
        old = stored.get(occ_id)
        if (
            old is not None
            and old.fingerprint == meeting.fingerprint()
            and ((old.space_kind, old.space_id) == key)
        ):
            continue
        if old is not None:
            dirty.add((old.space_kind, old.space_id), old.starts_at, old.ends_at)
        if meeting.starts_at <= dirty.now:
            dirty.add(key, meeting.starts_at, meeting.ends_at)
    # Occurrences that no longer exist (a series re-expanded, a booking deleted).
    gone_where: list[Any] = [m.booking_id.in_(c) for c in chunks(sorted(bookings), 500)]
    gone_where.append(~select(Booking.id).where(Booking.id == m.booking_id).exists())
    gone = session.execute(
        select(m.occurrence_id, m.space_kind, m.space_id, m.starts_at, m.ends_at).where(
            or_(*gone_where),
            ~select(BookingOccurrence.id).where(BookingOccurrence.id == m.occurrence_id).exists(),
        )
    ).all()
    for old in gone:
        dirty.add((old.space_kind, old.space_id), old.starts_at, old.ends_at)
    if gone:
        ids = [old.occurrence_id for old in gone]
        for chunk in chunks(ids, 500):
            session.execute(delete(analytics_meetings).where(m.occurrence_id.in_(chunk)))
