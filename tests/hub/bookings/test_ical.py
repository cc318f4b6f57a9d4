"""iCalendar import (a realistic Outlook-like file) and the ICS feed."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.bookings.errors import BookingError
from hub.bookings.ical_import import fetch, import_calendar
from hub.bookings.ics_feed import feed_for_token, issue_feed, render_feed
from hub.bookings.service import attendee_ids, create_booking
from hub.db.models import Booking, BookingOccurrence

NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def calendar(*events: str) -> bytes:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Example Corp//Outlook 16.0//EN"]
    body = "\n".join([*head, VTIMEZONE, *events, "END:VCALENDAR"])
    return body.replace("\n", "\r\n").encode()


WEEKLY = """BEGIN:VEVENT
UID:weekly-sync-001@example.com
DTSTAMP:20260101T100000Z
SUMMARY:Weekly sync
DTSTART;TZID=Europe/Berlin:20260309T090000
DTEND;TZID=Europe/Berlin:20260309T100000
RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260413T070000Z
EXDATE;TZID=Europe/Berlin:20260323T090000
ORGANIZER;CN=Alice:mailto:alice@example.com
ATTENDEE;CN=Bob;ROLE=REQ-PARTICIPANT:mailto:bob@example.com
ATTENDEE;CN=Dana Guest:mailto:dana@partner.example
LOCATION:Aurora
END:VEVENT"""

SINGLE = """BEGIN:VEVENT
UID:review-002@example.com
DTSTAMP:20260101T100000Z
SUMMARY:Design review
DTSTART:20260108T130000Z
DURATION:PT45M
ORGANIZER:mailto:stranger@elsewhere.example
END:VEVENT"""

ALL_DAY = """BEGIN:VEVENT
UID:offsite-003@example.com
DTSTAMP:20260101T100000Z
SUMMARY:Offsite
DTSTART;VALUE=DATE:20260115
DTEND;VALUE=DATE:20260116
END:VEVENT"""

FLOATING = """BEGIN:VEVENT
UID:floating-004@example.com
DTSTAMP:20260101T100000Z
SUMMARY:Floating
DTSTART:20260109T150000
DTEND:20260109T160000
END:VEVENT"""

ROOM = ("room", "hq-f1-aurora")


def run(session: Session, data: bytes, space: tuple[str, str] | None = ROOM, **kwargs: object):  # type: ignore[no-untyped-def]
    return import_calendar(session, data, space=space, importer_id="carol", now=NOW, **kwargs)  # type: ignore[arg-type]


def by_uid(session: Session, uid: str) -> Booking:
    booking = session.scalar(select(Booking).where(Booking.ical_uid == uid))
    assert booking is not None
    return booking


def starts(session: Session, booking: Booking) -> list[str]:
    return [
        r.starts_at.astimezone(BERLIN).strftime("%m-%d %H:%M")
        for r in session.scalars(
            select(BookingOccurrence)
            .where(BookingOccurrence.booking_id == booking.id)
            .order_by(BookingOccurrence.starts_at)
        )
    ]


def test_a_realistic_calendar_is_imported(session: Session) -> None:
    report = run(session, calendar(WEEKLY, SINGLE, ALL_DAY, FLOATING))
    assert sorted(i.uid for i in report.created) == [
        "floating-004@example.com",
        "review-002@example.com",
        "weekly-sync-001@example.com",
    ]
    assert [(i.uid, i.reason) for i in report.skipped] == [
        ("offsite-003@example.com", "all-day event: book a room for a time, not a whole day")
    ]
    weekly = by_uid(session, "weekly-sync-001@example.com")
    assert weekly.title == "Weekly sync" and weekly.timezone == "Europe/Berlin"
    assert weekly.source == "ical"
    # 9 March to 13 April, across the DST change, without 23 March: always 09:00 local.
    assert starts(session, weekly) == [
        "03-09 09:00",
        "03-16 09:00",
        "03-30 09:00",
        "04-06 09:00",
        "04-13 09:00",
    ]
    assert weekly.organizer_id == "alice"
    assert attendee_ids(session, weekly.id) == ["bob"]  # matched by e-mail, case-insensitively
    assert weekly.external_attendees == ["dana@partner.example"]

    single = by_uid(session, "review-002@example.com")
    assert single.organizer_id == "carol"  # an unknown organizer: the importing user
    assert "stranger@elsewhere.example" in single.external_attendees
    assert single.ends_at - single.starts_at == timedelta(minutes=45)
    floating = by_uid(session, "floating-004@example.com")
    assert starts(session, floating) == ["01-09 15:00"]  # local to the room


def test_importing_again_updates_instead_of_duplicating(session: Session) -> None:
    run(session, calendar(WEEKLY, SINGLE))
    session.commit()
    again = run(session, calendar(WEEKLY, SINGLE))
    assert len(again.unchanged) == 2 and not again.created and not again.updated
    moved = SINGLE.replace("DTSTART:20260108T130000Z", "DTSTART:20260108T150000Z").replace(
        "Design review", "Design review (moved)"
    )
    cancelled = WEEKLY.replace("END:VEVENT", "STATUS:CANCELLED\nEND:VEVENT")
    report = run(session, calendar(cancelled, moved))
    assert [i.uid for i in report.updated] == ["review-002@example.com"]
    assert [i.uid for i in report.cancelled] == ["weekly-sync-001@example.com"]
    assert session.scalar(select(func.count()).select_from(Booking)) == 2
    single = by_uid(session, "review-002@example.com")
    assert single.title == "Design review (moved)"
    assert starts(session, single) == ["01-08 16:00"]
    assert by_uid(session, "weekly-sync-001@example.com").cancelled_at == NOW


def test_conflicting_events_are_skipped_with_a_reason(session: Session) -> None:
    create_booking(
        session,
        space_kind="room",
        space_id="hq-f1-aurora",
        organizer_id="bob",
        title="Already here",
        starts_at=datetime(2026, 1, 8, 13, 30, tzinfo=UTC),
        ends_at=datetime(2026, 1, 8, 14, 0, tzinfo=UTC),
        now=NOW,
    )
    report = run(session, calendar(SINGLE))
    assert report.created == []
    assert "already booked" in (report.skipped[0].reason or "")
    assert "Already here" not in (report.skipped[0].reason or "")


def test_events_are_mapped_by_location_when_no_space_is_given(session: Session) -> None:
    report = run(session, calendar(WEEKLY, SINGLE), space=None)
    assert [i.uid for i in report.created] == ["weekly-sync-001@example.com"]
    assert by_uid(session, "weekly-sync-001@example.com").space_id == "hq-f1-aurora"
    assert "LOCATION" in (report.skipped[0].reason or "")
    refused = run(session, calendar(WEEKLY), space=None, may_book=lambda kind, sid: False)
    assert "may book" in (refused.skipped[0].reason or "")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"this is not a calendar",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n",  # never ends
        b"\xff\xfe\x00garbage",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-A:\x00\r\nEND:VCALENDAR\r\n",
    ],
)
def test_a_broken_file_is_refused_and_changes_nothing(session: Session, data: bytes) -> None:
    with pytest.raises(BookingError) as raised:
        run(session, data)
    assert raised.value.status == 422
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_fetching_a_url() -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/room.ics":
            return httpx.Response(200, content=calendar(SINGLE))
        if request.url.path == "/huge.ics":
            return httpx.Response(200, content=b"x" * 3_000_000)
        return httpx.Response(404)

    client = httpx.Client(transport=httpx.MockTransport(serve))
    assert b"review-002" in fetch("webcal://calendar.example/room.ics", client)
    with pytest.raises(BookingError, match="HTTP 404"):
        fetch("https://calendar.example/missing.ics", client)
    with pytest.raises(BookingError, match=r"^https://calendar\.example/huge\.ics sent more than"):
        fetch("https://calendar.example/huge.ics", client)
    with pytest.raises(BookingError, match="must start with"):
        fetch("file:///etc/passwd", client)


def test_the_feed_is_valid_icalendar_with_the_bookings(session: Session) -> None:
    run(session, calendar(WEEKLY, SINGLE))
    issued = issue_feed(
        session, space_kind="room", space_id="hq-f1-aurora", created_by="carol", now=NOW
    )
    parsed = Calendar.from_ical(render_feed(session, "room", "hq-f1-aurora", NOW))
    events = list(parsed.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["Design review"] + ["Weekly sync"] * 5
    assert events[0]["DTSTART"].dt == datetime(2026, 1, 8, 13, tzinfo=UTC)
    assert len({str(e["UID"]) for e in events}) == 6
    # The same feed rendered again has the same UIDs (calendar programs rely on that).
    again = Calendar.from_ical(render_feed(session, "room", "hq-f1-aurora", NOW))
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in events]
    assert feed_for_token(session, issued.token) is issued.row
    issued.row.revoked_at = NOW
    assert feed_for_token(session, issued.token) is None
    assert feed_for_token(session, "not-a-token") is None
