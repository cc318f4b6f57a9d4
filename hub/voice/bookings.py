"""Voice commands about the room's bookings: check in, extend, release, book, what's next.

Each acts at the command's own time (``said_at``), like other evidence: a command that
waited in the terminal's spool while the hub was away counts for when it was given.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from hub.bookings.conflicts import MAX_DURATION, find_clashes
from hub.bookings.errors import BookingConflict, BookingError
from hub.bookings.service import create_booking
from hub.checkin.actions import CheckInError, find_occurrence, release
from hub.checkin.actions import check_in as check_in_occurrence
from hub.checkin.decisions import record
from hub.checkin.rules import BOOKED, CHECKED_IN
from hub.db.models import Booking, BookingOccurrence
from hub.voice.actions import Outcome, VoiceContext, done, duration_slot, refused

ACTOR = "voice"  # decisions name the terminal's room command, not a person
METHOD = "voice"
AD_HOC_TITLE = "Ad hoc meeting (booked by voice)"


def _under_way(ctx: VoiceContext, at: datetime) -> BookingOccurrence | None:
    """The room's occurrence holding the room at ``at``."""
    return ctx.session.scalar(
        select(BookingOccurrence)
        .where(
            BookingOccurrence.space_kind == "room",
            BookingOccurrence.space_id == ctx.command.room_id,
            BookingOccurrence.state.in_((BOOKED, CHECKED_IN)),
            BookingOccurrence.starts_at <= at,
            BookingOccurrence.ends_at > at,
        )
        .order_by(BookingOccurrence.starts_at.desc())
        .limit(1)
        .with_for_update()
    )


def _next_start(ctx: VoiceContext, after: datetime) -> datetime | None:
    return ctx.session.scalar(
        select(BookingOccurrence.starts_at)
        .where(
            BookingOccurrence.space_kind == "room",
            BookingOccurrence.space_id == ctx.command.room_id,
            BookingOccurrence.state.in_((BOOKED, CHECKED_IN)),
            BookingOccurrence.starts_at >= after,
        )
        .order_by(BookingOccurrence.starts_at)
        .limit(1)
    )


def check_in(ctx: VoiceContext) -> Outcome:
    at = ctx.command.said_at
    occurrence = find_occurrence(ctx.session, "room", ctx.command.room_id, at, ctx.policy)
    if occurrence is None:
        return refused("no_booking", "nothing_to_check_in")
    try:
        check_in_occurrence(
            ctx.session,
            occurrence,
            at=at,
            method=METHOD,
            actor=ACTOR,
            now=ctx.now,
            policy=ctx.policy,
        )
    except CheckInError as exc:
        return refused(
            "check_in_refused", "check_in_refused", occurrence_id=occurrence.id, why=str(exc)[:300]
        )
    return done("checked_in", occurrence_id=occurrence.id, checked_in_at=at.isoformat())


def extend_meeting(ctx: VoiceContext) -> Outcome:
    minutes = duration_slot(ctx)
    if minutes is None:
        return refused("bad_duration", "bad_duration")
    occurrence = _under_way(ctx, ctx.command.said_at)
    if occurrence is None:
        return refused("no_meeting", "no_meeting")
    new_end = occurrence.ends_at + timedelta(minutes=minutes)
    if new_end - occurrence.starts_at > MAX_DURATION:
        return refused("too_long", "too_long", occurrence_id=occurrence.id)
    clashes = [
        c
        for c in find_clashes(
            ctx.session, "room", ctx.command.room_id, [(occurrence.ends_at, new_end)]
        )
        if c.occurrence_id != occurrence.id
    ]
    if clashes:
        start = clashes[0].starts_at
        return refused(
            "conflict",
            "extend_conflict",
            {"start": ctx.clock(start)},
            occurrence_id=occurrence.id,
            conflict_starts_at=start.isoformat(),
        )
    old_end = occurrence.ends_at
    occurrence.ends_at = new_end
    booking = ctx.session.get(Booking, occurrence.booking_id)
    assert booking is not None
    if booking.rrule is None and booking.starts_at == occurrence.starts_at:
        booking.ends_at = new_end  # a single meeting: the booking says the same
    booking.updated_at = ctx.now
    record(
        ctx.session,
        booking_id=booking.id,
        occurrence_id=occurrence.id,
        kind="extended",
        effective_at=ctx.command.said_at,
        explanation=(
            f"extended by {minutes} minutes by voice, from {old_end.strftime('%H:%M UTC')} "
            f"to {new_end.strftime('%H:%M UTC')}"
        ),
        evidence=[{"at": ctx.command.said_at.isoformat(), "what": "voice command", "by": ACTOR}],
        now=ctx.now,
        actor=ACTOR,
    )
    ctx.session.flush()
    return done(
        "extended",
        {"end": ctx.clock(new_end)},
        occurrence_id=occurrence.id,
        minutes=minutes,
        ends_at=new_end.isoformat(),
    )


def release_room(ctx: VoiceContext) -> Outcome:
    occurrence = _under_way(ctx, ctx.command.said_at)
    if occurrence is None or occurrence.ends_at <= ctx.now:
        return refused("no_meeting", "no_meeting")
    try:
        release(ctx.session, occurrence, actor=ACTOR, now=ctx.now)
    except CheckInError as exc:
        return refused("no_meeting", "no_meeting", why=str(exc)[:300])
    return done("released", occurrence_id=occurrence.id, released_at=ctx.now.isoformat())


def book_room(ctx: VoiceContext) -> Outcome:
    minutes = duration_slot(ctx)
    if minutes is None:
        return refused("bad_duration", "bad_duration")
    start = ctx.command.said_at
    end = start + timedelta(minutes=minutes)
    if end <= ctx.now:
        return refused("too_late", "too_late")
    holding = _under_way(ctx, start)
    if holding is not None:
        return refused(
            "room_taken",
            "room_taken",
            {"end": ctx.clock(holding.ends_at)},
            occurrence_id=holding.id,
        )
    next_start = _next_start(ctx, start)
    if next_start is not None and next_start < end:
        return refused(
            "conflict",
            "free_only_until",
            {"start": ctx.clock(next_start)},
            conflict_starts_at=next_start.isoformat(),
        )
    try:
        with ctx.session.begin_nested():
            booking = create_booking(
                ctx.session,
                space_kind="room",
                space_id=ctx.command.room_id,
                organizer_id=None,  # said in the room: nobody known; like auto-bookings
                title=AD_HOC_TITLE,
                starts_at=start,
                ends_at=end,
                now=ctx.now,
                source="voice",
            )
    except BookingConflict as exc:
        first = exc.clashes[0].starts_at
        return refused(
            "conflict",
            "free_only_until",
            {"start": ctx.clock(first)},
            conflict_starts_at=first.isoformat(),
        )
    except BookingError as exc:
        return refused("booking_refused", "failed", why=str(exc)[:300])
    occurrence = ctx.session.scalars(
        select(BookingOccurrence).where(BookingOccurrence.booking_id == booking.id)
    ).one()
    # Whoever asked is in the room: the booking starts checked in, by voice.
    occurrence.state, occurrence.checked_in_at = CHECKED_IN, start
    occurrence.check_in_method = METHOD
    ctx.session.flush()
    return done(
        "booked",
        {"end": ctx.clock(end)},
        booking_id=booking.id,
        occurrence_id=occurrence.id,
        ends_at=end.isoformat(),
    )


def whats_next(ctx: VoiceContext) -> Outcome:
    """The room's next booking, by time only: anyone in the room hears the answer."""
    now = ctx.now
    current = _under_way(ctx, now)
    after = current.ends_at if current is not None else now
    upcoming = _next_start(ctx, after)
    local_day_end = now.astimezone(ctx.zone).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    if upcoming is not None and upcoming >= local_day_end:
        upcoming = None  # "next" means today, in the room's day
    detail: dict[str, str | None] = {
        "current_ends_at": None if current is None else current.ends_at.isoformat(),
        "next_starts_at": None if upcoming is None else upcoming.isoformat(),
    }
    if current is None:
        if upcoming is None:
            return done("free_today", **detail)
        return done("free_until", {"start": ctx.clock(upcoming)}, **detail)
    if upcoming is None:
        return done("ends_then_free", {"end": ctx.clock(current.ends_at)}, **detail)
    values = {"end": ctx.clock(current.ends_at), "start": ctx.clock(upcoming)}
    return done("next_booking", values, **detail)
