"""Expanding a booking into occurrences, and materializing them up to a horizon.

A recurring booking is expanded in its own IANA time zone: dateutil keeps the wall-clock
time of an aware ``dtstart`` and zoneinfo gives each date its own offset, so a weekly
09:00 in Europe/Berlin stays 09:00 local across daylight saving (07:00 or 08:00 UTC).
A local time that does not exist (02:30 on the spring-forward night) is read with the
offset before the change, as zoneinfo does.

Occurrences are materialized as rows from "now" up to a horizon (default 180 days);
:func:`extend_horizon` adds later occurrences of open-ended series as time passes.
"""

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.bookings.errors import BookingError
from hub.db.models import Booking, BookingDecision, BookingOccurrence

DEFAULT_HORIZON = timedelta(days=180)
#: Most occurrences a series may have within the horizon (a daily one has 180).
MAX_OCCURRENCES = 2000
#: Occurrences iterated from the series start before giving up (one that began long ago).
MAX_ITERATED = 50_000
ALLOWED_FREQS = {DAILY: "DAILY", WEEKLY: "WEEKLY", MONTHLY: "MONTHLY", YEARLY: "YEARLY"}
_UNTIL = re.compile(r"(?i)(^|;)UNTIL=([0-9]{8})(T[0-9]{6})?(Z)?(?=;|$)")

Interval = tuple[datetime, datetime]


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; a clear error for an unknown or malformed one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise BookingError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin"
        ) from None


def _until_in_utc(text: str, tz: ZoneInfo) -> str:
    """UNTIL as UTC: a floating or date-only UNTIL is local to the booking (RFC 5545)."""

    def fix(match: re.Match[str]) -> str:
        day, clock, utc = match.group(2), match.group(3), match.group(4)
        if utc and clock:
            return match.group(0)
        try:
            local = datetime.strptime(day + (clock or "T235959"), "%Y%m%dT%H%M%S")
            moment = local.replace(tzinfo=tz).astimezone(UTC)
        except (ValueError, OverflowError):
            raise BookingError(
                f"rrule has an invalid UNTIL: {match.group(0).lstrip(';')}"
            ) from None
        return f"{match.group(1)}UNTIL={moment:%Y%m%dT%H%M%S}Z"

    return _UNTIL.sub(fix, text)


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _refuse_empty_rules(value: str) -> None:
    """Refuse rules that can never match, before dateutil searches to the year 9999 for one.

    BYWEEKNO, BYYEARDAY and BYEASTER are not needed for rooms and are where most such
    rules hide; BYMONTH with BYMONTHDAY is checked for a day the months have.
    """
    parts: dict[str, str] = {}
    for part in value.split(";"):
        key, _, item = part.partition("=")
        parts[key.strip().upper()] = item
    for unsupported in ("BYWEEKNO", "BYYEARDAY", "BYEASTER"):
        if unsupported in parts:
            raise BookingError(f"rrule {value!r}: {unsupported} is not supported for bookings")
    if "BYMONTH" in parts and "BYMONTHDAY" in parts:
        try:
            months = [int(m) for m in parts["BYMONTH"].split(",")]
            days = [abs(int(d)) for d in parts["BYMONTHDAY"].split(",")]
            longest = max(_DAYS_IN_MONTH[m - 1] for m in months if 1 <= m <= 12)
        except ValueError:
            return  # malformed: dateutil says what is wrong
        if min(days) > longest:
            raise BookingError(f"rrule {value!r} never matches: no such day in those months")


def parse_rrule(text: str, first_start: datetime, tz: ZoneInfo) -> rrule:
    """An RFC 5545 RRULE value (``FREQ=WEEKLY;BYDAY=MO``) anchored at ``first_start``.

    Refuses what is not one plain rule, and frequencies finer than daily: a room is not
    booked every hour for months.
    """
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    if not value or any(c in value for c in "\r\n:") or len(value) > 500:
        raise BookingError(f"rrule {text!r} is not one RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO")
    _refuse_empty_rules(value)
    value = _until_in_utc(value, tz)
    try:
        rule = rrulestr(value, dtstart=first_start.astimezone(tz))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise BookingError(f"rrule {text!r} is not valid: {error}") from None
    if not isinstance(rule, rrule):
        raise BookingError(f"rrule {text!r} is not one RRULE value")
    freq = getattr(rule, "_freq", None)
    if freq not in ALLOWED_FREQS:
        raise BookingError(
            f"rrule {text!r}: only FREQ=DAILY, WEEKLY, MONTHLY or YEARLY may be booked"
        )
    return rule


def occurrence_times(
    booking: Booking, *, since: datetime, until: datetime, limit: int = MAX_OCCURRENCES
) -> list[Interval]:
    """(start, end) in UTC of the occurrences ending after ``since`` and starting before
    ``until``, exdates left out. Raises :class:`BookingError` for a bad or absurd rule."""
    start = booking.starts_at.astimezone(UTC)
    duration = booking.ends_at - booking.starts_at
    excluded = _exdates(booking.exdates)
    if not booking.rrule:
        if start in excluded or not (booking.ends_at > since and start < until):
            return []
        return [(start, booking.ends_at.astimezone(UTC))]
    tz = zone(booking.timezone)
    rule = parse_rrule(booking.rrule, start, tz)
    found: list[Interval] = []
    for index, local in enumerate(rule):
        if index >= MAX_ITERATED:
            raise BookingError(
                f"the series has more than {MAX_ITERATED} occurrences before the horizon: "
                "start it later or make it less frequent"
            )
        begin = local.astimezone(UTC)
        if begin >= until:
            break
        # Durations are exact: a 1-hour meeting lasts 1 hour even on the night of a change.
        end = begin + duration
        if end <= since or begin in excluded:
            continue
        found.append((begin, end))
        if len(found) > limit:
            raise BookingError(
                f"the series has more than {limit} occurrences in the next "
                f"{DEFAULT_HORIZON.days} days: make it less frequent"
            )
    return found


def _exdates(values: Iterable[str]) -> set[datetime]:
    found = set()
    for value in values:
        try:
            found.add(datetime.fromisoformat(value).astimezone(UTC))
        except (ValueError, TypeError, OverflowError):
            continue  # written by this module only; an unreadable one excludes nothing
    return found


def check_no_self_overlap(times: list[Interval]) -> None:
    """Occurrences of one series must not overlap each other (e.g. DAILY;BYHOUR=9,10 for 2 h)."""
    ordered = sorted(times)
    for (_, end), (next_start, _) in pairwise(ordered):
        if next_start < end:
            raise BookingError(
                f"occurrences of this series overlap each other (at {next_start.isoformat()}): "
                "shorten the booking or space the occurrences further apart"
            )


def materialize(
    session: Session, booking: Booking, times: Iterable[Interval]
) -> list[BookingOccurrence]:
    """Add occurrence rows for ``times`` the booking does not have yet (by start)."""
    existing = set(
        session.scalars(
            select(BookingOccurrence.starts_at).where(BookingOccurrence.booking_id == booking.id)
        )
    )
    added = []
    for begin, end in times:
        if begin in existing:
            continue
        row = BookingOccurrence(
            booking_id=booking.id,
            space_kind=booking.space_kind,
            space_id=booking.space_id,
            starts_at=begin,
            ends_at=end,
            state="booked",
        )
        session.add(row)
        added.append(row)
        existing.add(begin)
    session.flush()
    return added


def extend_horizon(session: Session, now: datetime, horizon: timedelta = DEFAULT_HORIZON) -> int:
    """Materialize occurrences of open series up to ``now + horizon``; returns how many.

    Idempotent: occurrences already there are skipped. What is booked keeps its slot: a
    new occurrence that collides with one (someone booked that day once it came within
    reach, before the series got there) is stored as ``cancelled``, with a decision saying
    why. Series are taken oldest first, so between two series the older one wins.
    """
    from hub.bookings.conflicts import find_clashes  # conflicts imports this module

    series = session.scalars(
        select(Booking)
        .where(Booking.rrule.is_not(None), Booking.cancelled_at.is_(None))
        .order_by(Booking.created_at, Booking.id)
    )
    added = 0
    for booking in list(series):
        try:
            times = occurrence_times(booking, since=now, until=now + horizon)
        except BookingError:
            continue  # a rule that became absurd (cannot happen for validated ones)
        for row in materialize(session, booking, times):
            added += 1
            clashes = find_clashes(
                session,
                booking.space_kind,
                booking.space_id,
                [(row.starts_at, row.ends_at)],
                exclude_booking_id=booking.id,
            )
            if clashes:
                row.state = "cancelled"
                session.add(
                    BookingDecision(
                        booking_id=booking.id,
                        occurrence_id=row.id,
                        decided_at=now,
                        effective_at=row.starts_at,
                        kind="cancelled",
                        actor="hub",
                        explanation=f"this occurrence clashes with {clashes[0].describe()}, "
                        "which was booked first",
                        evidence=[],
                    )
                )
    session.flush()
    return added
