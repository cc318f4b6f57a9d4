"""Importing an iCalendar file (or URL) into bookings of one space.

Each VEVENT becomes a booking: UID -> ``ical_uid`` (importing again updates instead of
duplicating), SUMMARY, DTSTART/DTEND or DURATION, RRULE and EXDATE. Times with a TZID are
read in that zone, UTC times stay UTC, floating times are local to the space. ORGANIZER and
ATTENDEE ``mailto:`` addresses are matched to users by e-mail; the rest are kept as
external attendees, and an unknown organizer becomes the importing user. STATUS:CANCELLED
cancels the booking. Every event that cannot be booked (all-day, a conflict, in the past,
...) is skipped with a reason in the report.

A file that is not iCalendar at all is refused with a clear error and changes nothing.
Nothing here commits: the caller does, once, after the whole file.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.bookings.errors import BookingError
from hub.bookings.service import (
    UNSET,
    attendee_ids,
    cancel_booking,
    create_booking,
    space_timezone,
    update_booking,
)
from hub.db.models import Booking, Desk, Room, User

MAX_BYTES = 2_000_000
MAX_EVENTS = 5000
FETCH_TIMEOUT = 10.0


@dataclass
class ImportItem:
    uid: str
    booking_id: str | None = None
    reason: str | None = None


@dataclass
class ImportReport:
    created: list[ImportItem] = field(default_factory=list)
    updated: list[ImportItem] = field(default_factory=list)
    unchanged: list[ImportItem] = field(default_factory=list)
    cancelled: list[ImportItem] = field(default_factory=list)
    skipped: list[ImportItem] = field(default_factory=list)


@dataclass
class _EventData:
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    rrule: str | None
    exdates: list[datetime]
    organizer_email: str | None
    attendee_emails: list[str]
    cancelled: bool
    location: str


class _Skip(Exception):
    """An event that is not imported; the message is the reason."""


def parse_calendar(data: bytes) -> Calendar:
    """The calendar in ``data``; BookingError when it is not iCalendar."""
    if len(data) > MAX_BYTES:
        raise BookingError(f"the calendar is larger than {MAX_BYTES} bytes", status=413)
    if not data.strip():
        raise BookingError("the calendar is empty")
    if b"\x00" in data:  # PostgreSQL can store no NUL in text; no calendar needs one
        raise BookingError("not a valid iCalendar file: it contains a NUL byte")
    try:
        calendar = Calendar.from_ical(data)
    except Exception as error:  # icalendar raises ValueError, KeyError, ... for broken input
        raise BookingError(f"not a valid iCalendar file: {error}") from None
    if isinstance(calendar, list) or calendar.name != "VCALENDAR":
        raise BookingError("not a valid iCalendar file: expected one VCALENDAR")
    return calendar


def fetch(url: str, client: httpx.Client | None = None) -> bytes:
    """GET an iCalendar URL (``webcal://`` is https), at most :data:`MAX_BYTES`."""
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    if not url.lower().startswith(("http://", "https://")):
        raise BookingError(f"url {url!r} must start with https://, http:// or webcal://")
    owned = client is None
    http = client or httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=True)
    try:
        with http.stream("GET", url, headers={"Accept": "text/calendar"}) as response:
            if response.status_code != 200:
                raise BookingError(f"{url} answered HTTP {response.status_code}", status=422)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise BookingError(f"{url} sent more than {MAX_BYTES} bytes")
            return bytes(body)
    except BookingError:
        raise
    except httpx.HTTPError as error:
        raise BookingError(f"could not fetch {url}: {type(error).__name__}: {error}") from None
    except ValueError as error:  # e.g. an invalid URL
        raise BookingError(f"could not fetch {url}: {error}") from None
    finally:
        if owned:
            http.close()


def _email(value: Any) -> str | None:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.lower() if "@" in text else None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _aware(value: datetime, local: tzinfo) -> datetime:
    return value.replace(tzinfo=local) if value.tzinfo is None else value


def _zone_name(prop: Any, value: datetime, space_zone: str) -> str:
    """The IANA zone to expand a series in: TZID if it is one, UTC for UTC times."""
    if value.tzinfo is None:
        return space_zone
    if isinstance(value.tzinfo, ZoneInfo):
        return value.tzinfo.key
    tzid = getattr(prop, "params", {}).get("TZID")
    if tzid:
        try:
            return ZoneInfo(str(tzid)).key
        except (ValueError, OSError, KeyError):
            pass
    if value.tzinfo is UTC or str(value.tzinfo) == "UTC":
        return "UTC"
    return space_zone  # a custom VTIMEZONE: times are right, a series follows the space's zone


def read_event(event: Any, space_zone: str) -> _EventData:
    uid = str(event.get("UID", "")).strip()
    if not uid:
        raise _Skip("no UID")
    if len(uid) > 255:
        raise _Skip("UID longer than 255 characters")
    if event.get("RECURRENCE-ID") is not None:
        raise _Skip("a changed single occurrence of a series (RECURRENCE-ID) is not supported")
    if event.get("RDATE") is not None:
        raise _Skip("RDATE is not supported")
    start_prop = event.get("DTSTART")
    if start_prop is None:
        raise _Skip("no DTSTART")
    start = start_prop.dt
    if not isinstance(start, datetime):
        raise _Skip("all-day event: book a room for a time, not a whole day")
    local = ZoneInfo(space_zone)
    starts_at = _aware(start, local)
    if event.get("DTEND") is not None:
        end = event["DTEND"].dt
        if not isinstance(end, datetime):
            raise _Skip("DTEND is a date, DTSTART a time")
        ends_at = _aware(end, starts_at.tzinfo or local)
    elif event.get("DURATION") is not None and isinstance(event["DURATION"].dt, timedelta):
        ends_at = starts_at + event["DURATION"].dt
    else:
        raise _Skip("no DTEND or DURATION")
    rules = _list(event.get("RRULE"))
    if len(rules) > 1:
        raise _Skip("more than one RRULE")
    rrule = rules[0].to_ical().decode() if rules else None
    exdates: list[datetime] = []
    for prop in _list(event.get("EXDATE")):
        for item in getattr(prop, "dts", []):
            value = item.dt
            if isinstance(value, datetime):
                exdates.append(_aware(value, starts_at.tzinfo or local).astimezone(UTC))
            elif isinstance(value, date):  # a date-only EXDATE removes that day's occurrence
                moment = datetime.combine(value, starts_at.timetz())
                exdates.append(_aware(moment, starts_at.tzinfo or local).astimezone(UTC))
    organizer = event.get("ORGANIZER")
    return _EventData(
        uid=uid,
        title=str(event.get("SUMMARY", "")).strip()[:300],
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at.astimezone(UTC),
        timezone=_zone_name(start_prop, start, space_zone),
        rrule=rrule,
        exdates=exdates,
        organizer_email=_email(organizer) if organizer is not None else None,
        attendee_emails=[e for e in (_email(a) for a in _list(event.get("ATTENDEE"))) if e],
        cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
        location=str(event.get("LOCATION", "")).strip(),
    )


Space = tuple[str, str]


def _location_space(session: Session, location: str) -> Space | None:
    """A room or desk whose id or name is the event's LOCATION (case-insensitive)."""
    wanted = location.strip().lower()
    if not wanted:
        return None
    room = session.scalar(
        select(Room.id).where((func.lower(Room.id) == wanted) | (func.lower(Room.name) == wanted))
    )
    if room is not None:
        return ("room", room)
    desk = session.scalar(
        select(Desk.id).where((func.lower(Desk.id) == wanted) | (func.lower(Desk.name) == wanted))
    )
    return ("desk", desk) if desk is not None else None


def import_calendar(
    session: Session,
    data: bytes,
    *,
    space: Space | None,
    importer_id: str,
    now: datetime,
    may_book: Callable[[str, str], bool] = lambda kind, space_id: True,
) -> ImportReport:
    """Import every VEVENT of ``data`` into ``space`` (or the space its LOCATION names)."""
    calendar = parse_calendar(data)
    events: list[Any] = list(calendar.walk("VEVENT"))
    if len(events) > MAX_EVENTS:
        raise BookingError(f"the calendar has more than {MAX_EVENTS} events")
    if space is not None:
        space_timezone(session, *space)  # an unknown space is an error for the whole import
    users = {
        email.lower(): uid
        for uid, email in session.execute(
            select(User.id, User.email).where(User.email.is_not(None))
        )
        if email
    }
    report = ImportReport()
    for event in events:
        uid = str(event.get("UID", "")).strip() or "(no UID)"
        try:
            target = space or _location_space(session, str(event.get("LOCATION", "")))
            if target is None:
                raise _Skip("LOCATION names no room or desk, and no space was given")
            if not may_book(*target):
                raise _Skip(f"{target[0]} {target[1]!r} is not one you may book")
            data_ = read_event(event, space_timezone(session, *target))
            _apply(session, report, data_, target, users, importer_id, now)
        except (_Skip, BookingError) as reason:
            report.skipped.append(ImportItem(uid=uid, reason=str(reason)))
    return report


def _apply(
    session: Session,
    report: ImportReport,
    event: _EventData,
    space: Space,
    users: dict[str, str],
    importer_id: str,
    now: datetime,
) -> None:
    existing = session.scalar(
        select(Booking).where(
            Booking.ical_uid == event.uid,
            Booking.space_kind == space[0],
            Booking.space_id == space[1],
        )
    )
    if event.cancelled:
        if existing is None or existing.cancelled_at is not None:
            raise _Skip("cancelled, and not booked here")
        cancel_booking(session, existing.id, actor=importer_id, now=now, reason="cancelled in iCal")
        report.cancelled.append(ImportItem(uid=event.uid, booking_id=existing.id))
        return
    organizer = users.get(event.organizer_email or "", importer_id)
    attendees = sorted({users[e] for e in event.attendee_emails if e in users} - {organizer})
    external = [e for e in event.attendee_emails if e not in users]
    if event.organizer_email and event.organizer_email not in users:
        external.insert(0, event.organizer_email)
    if existing is None:
        booking = create_booking(
            session,
            space_kind=space[0],
            space_id=space[1],
            organizer_id=organizer,
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            timezone=event.timezone,
            rrule=event.rrule,
            exdates=event.exdates,
            attendees=attendees,
            external_attendees=external,
            source="ical",
            ical_uid=event.uid,
            now=now,
        )
        report.created.append(ImportItem(uid=event.uid, booking_id=booking.id))
        return
    if existing.cancelled_at is not None:
        raise _Skip(f"booking {existing.id!r} of this UID was cancelled in the hub")
    changes = _changes(session, existing, event, attendees, external)
    if not changes:
        report.unchanged.append(ImportItem(uid=event.uid, booking_id=existing.id))
        return
    update_booking(session, existing.id, actor=importer_id, now=now, **changes)
    report.updated.append(ImportItem(uid=event.uid, booking_id=existing.id))


def _changes(
    session: Session,
    booking: Booking,
    event: _EventData,
    attendees: list[str],
    external: list[str],
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if booking.title != event.title:
        changes["title"] = event.title
    timing = {
        "starts_at": (booking.starts_at, event.starts_at),
        "ends_at": (booking.ends_at, event.ends_at),
        "timezone": (booking.timezone, event.timezone),
        "rrule": (booking.rrule, event.rrule),
    }
    if any(old != new for old, new in timing.values()) or set(booking.exdates) != {
        d.isoformat() for d in event.exdates
    }:
        changes.update(
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            timezone=event.timezone,
            rrule=event.rrule,
            exdates=event.exdates,
        )
    if attendee_ids(session, booking.id) != attendees:
        changes["attendees"] = attendees
    if booking.external_attendees != external:
        changes["external_attendees"] = external
    return {key: value for key, value in changes.items() if value is not UNSET}
