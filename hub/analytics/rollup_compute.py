"""Computing analytics rollup rows: exact figures of whole local days from the raw rows.

For a set of spaces and a time range, loads their occupancy changes, offline spells and
meetings, builds each space's timeline and hands it to the pure functions of
hub.analytics.booked (day figures, per-meeting facts). Nothing is written here: the rows go
to hub.analytics.rollup_store, and which spaces and days are recomputed is decided by
hub.analytics.rollups. Apart so the computation can be read, and called, on its own.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hub.analytics.booked import (
    DayFigures,
    Meeting,
    MeetingFacts,
    SpanIndex,
    booked_spans,
    day_figures,
    known_spans,
    meeting_facts,
)
from hub.analytics.queries import SpaceData, load_spaces
from hub.analytics.timeline import build_timeline, require_aware
from hub.db.models import Booking, BookingAttendee, BookingOccurrence

_LOAD_MARGIN = timedelta(days=1)  # local days begin up to 14 h away from UTC midnight

SpaceKey = tuple[str, str]


@dataclass
class SpaceResult:
    space: SpaceData
    days: list[DayFigures]
    meetings: list[MeetingFacts]


def load_meetings(session: Session, where: Any) -> dict[SpaceKey, list[Meeting]]:
    """Occurrences matching ``where`` with the size of their invitation list."""
    attendees = (
        select(func.count())
        .where(
            BookingAttendee.booking_id == BookingOccurrence.booking_id,
            or_(Booking.organizer_id.is_(None), BookingAttendee.user_id != Booking.organizer_id),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            BookingOccurrence,
            Booking.organizer_id,
            Booking.external_attendees,
            attendees,
        )
        .join(Booking, Booking.id == BookingOccurrence.booking_id)
        .where(where)
        .order_by(BookingOccurrence.starts_at, BookingOccurrence.id)
    ).all()
    out: dict[SpaceKey, list[Meeting]] = defaultdict(list)
    for occ, organizer, external, users in rows:
        invited = (organizer is not None) + users + len(external or ())
        out[(occ.space_kind, occ.space_id)].append(
            Meeting(
                id=occ.id,
                booking_id=occ.booking_id,
                starts_at=occ.starts_at,
                ends_at=occ.ends_at,
                state=occ.state,
                checked_in_at=occ.checked_in_at,
                released_at=occ.released_at,
                release_reason=occ.release_reason,
                peak_people=occ.peak_people,
                invited=invited,
            )
        )
    return out


def compute_spaces(
    session: Session,
    *,
    room_ids: Collection[str],
    desk_ids: Collection[str],
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[SpaceResult]:
    """Exact figures from the raw rows for every local day overlapping ``[start, end)``.

    Whole local days always (a day cut by the range is computed whole), up to ``now``.
    Meetings are those whose local start day is one of those days.
    """
    require_aware(start=start, end=end, now=now)
    lo, hi = start - _LOAD_MARGIN, end + _LOAD_MARGIN
    spaces = load_spaces(session, room_ids=room_ids, desk_ids=desk_ids, start=lo, end=hi, now=now)
    if not spaces:
        return []
    of_spaces = or_(
        *(
            (BookingOccurrence.space_kind == kind) & BookingOccurrence.space_id.in_(ids)
            for kind in ("room", "desk")
            if (ids := [s.id for s in spaces if s.kind == kind])
        )
    )
    meetings = load_meetings(
        session, of_spaces & (BookingOccurrence.ends_at > lo) & (BookingOccurrence.starts_at < hi)
    )
    results = []
    for space in spaces:
        segments = build_timeline(space.changes, space.offline, start=lo, end=hi, now=now)
        known, occupied = (SpanIndex(s) for s in known_spans(segments))
        own = meetings.get((space.kind, space.id), [])
        days = list(space.schedule.local_days(start, end))
        wanted = set(days)
        facts = [
            f for f in meeting_facts(own, space.schedule, known, occupied, now) if f.day in wanted
        ]
        figures = day_figures(
            days,
            space.schedule,
            known=known,
            occupied=occupied,
            booked=SpanIndex(booked_spans(own)),
            meetings=facts,
            now=now,
        )
        results.append(SpaceResult(space, figures, facts))
    return results
