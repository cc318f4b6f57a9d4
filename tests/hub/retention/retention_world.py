"""Rows of every kind the retention job expires, stamped around each default cutoff.

For a kind kept ``days`` days at ``NOW``, its cutoff is ``NOW - days``; :func:`fill` writes
one row a minute before the cutoff (expired) and one a minute after it (just inside the
period, kept), plus, where the newest row of a group is kept, an older row of a second group
that is that group's only one. Meetings: ``m-old`` ended 366 days ago (the whole meeting
expires), ``m-year`` 300 days ago (its transcript expires, its minutes stay), ``m-new`` 10
days ago (everything stays).
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hub.db.audit_models import AuditEntry
from hub.db.minutes_models import ActionItem, MeetingMinutes
from hub.db.models import (
    Booking,
    BookingDecision,
    DeadLetter,
    DeviceStatusChange,
    GivenUpRange,
    IngestedMessage,
    IngestStream,
    Notification,
    OccupancyChange,
    SensorEvent,
    User,
)
from hub.db.report_models import ReportFileRow, ReportRun
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.db.voice_models import VoiceCommand

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ROOM, DEVICE = "hq-f1-aurora", "term-hq-f1-aurora"
OTHER_ROOM = "hq-f1-borealis"
MINUTE = timedelta(minutes=1)

#: Default periods (hub/settings.py) the world is built around.
DAYS = {
    "transcripts": 30,
    "minutes": 365,
    "voice_commands": 30,
    "sensor_events": 30,
    "ingest_log": 90,
    "dead_letters": 30,
    "occupancy": 90,
    "checkin_trail": 180,
    "notifications": 30,
    "reports": 400,
    "audit_log": 730,
}


def cutoff(name: str) -> datetime:
    return NOW - timedelta(days=DAYS[name])


def around(name: str) -> tuple[datetime, datetime]:
    """(expired, kept): a minute either side of the cutoff."""
    return cutoff(name) - MINUTE, cutoff(name) + MINUTE


def fill(session: Session) -> None:
    _meetings(session)
    _voice(session)
    _sensors(session)
    _ingest(session)
    _dead_letters(session)
    _occupancy(session)
    _bookings(session)
    _reports(session)
    _audit(session)
    session.commit()


def _meeting(session: Session, session_id: str, ended: datetime) -> None:
    started = ended - timedelta(hours=1)
    session.add(
        MinutesSession(
            session_id=session_id, device_id=DEVICE, room_id=ROOM, started_at=started,
            stopped_at=ended, title=f"Meeting {session_id}", recording=False,
        )
    )  # fmt: skip
    for seq in (1, 2):
        session.add(
            TranscriptSegment(
                device_id=DEVICE, boot="b", seq=seq, room_id=ROOM, session_id=session_id,
                segment=seq, start_s=float(seq), end_s=seq + 1.0, started_at=started,
                text=f"what was said in {session_id}", final=True, language="en",
                received_at=started,
            )
        )  # fmt: skip
    session.add(
        MeetingMinutes(
            session_id=session_id, device_id=DEVICE, room_id=ROOM, status="confirmed",
            language="en", meeting_start=started, decisions=[{"text": "ship it"}],
            open_questions=[], received_at=ended, updated_at=ended,
        )
    )  # fmt: skip
    session.add(
        ActionItem(
            session_id=session_id, position=0, task="write the report", owner_name="Ann",
            status="open", created_at=ended, updated_at=ended,
        )
    )  # fmt: skip


def _meetings(session: Session) -> None:
    _meeting(session, "m-old", NOW - timedelta(days=366))
    _meeting(session, "m-year", NOW - timedelta(days=300))
    _meeting(session, "m-new", NOW - timedelta(days=10))


def _voice(session: Session) -> None:
    for i, said in enumerate(around("voice_commands")):
        session.add(
            VoiceCommand(
                device_id=DEVICE, room_id=ROOM, utterance=f"u{i}", intent="book_room", slots={},
                confidence=0.9, text="book this room", trigger="wake", said_at=said,
                received_at=said, outcome="done", detail={},
            )
        )  # fmt: skip


def _sensors(session: Session) -> None:
    old, kept = around("sensor_events")
    # pir: the older of two old events expires (the newer one is the newest before the
    # cutoff); the door's only event is its newest and stays however old.
    events = (("pir", old - timedelta(hours=1)), ("pir", old), ("pir", kept),
              ("door", old - timedelta(days=5)))  # fmt: skip
    for sensor, ts in events:
        session.add(
            SensorEvent(device_id=DEVICE, sensor_id=sensor, kind=sensor, active=True, ts=ts)
        )


def _ingest(session: Session) -> None:
    old, kept = around("ingest_log")
    session.add(IngestStream(device_id=DEVICE, boot="b", room_id=ROOM, through_seq=3,
                             highest_seq=5, updated_at=kept))  # fmt: skip
    # Seqs 1-3 acknowledged (1, 2 expired; 3 kept), 5 not acknowledged yet: kept however old.
    for seq, stored in ((1, old), (2, old), (3, kept), (5, old)):
        session.add(IngestedMessage(device_id=DEVICE, boot="b", seq=seq, type="occupancy",
                                    ts=stored, received_at=stored, stored_at=stored))  # fmt: skip
    session.add(GivenUpRange(device_id=DEVICE, boot="b", first_seq=1, last_seq=1,
                             reason="spool_full", reported_at=old))  # fmt: skip


def _dead_letters(session: Session) -> None:
    for when in around("dead_letters"):
        session.add(DeadLetter(received_at=when, topic=f"quorum/v1/rooms/{ROOM}/x",
                               payload=b"{}", reason="invalid_json", detail="test"))  # fmt: skip


def occupancy_change(space: str, occupied: bool, ts: datetime, seq: int) -> OccupancyChange:
    return OccupancyChange(space_kind="room", space_id=space, occupied=occupied, ts=ts,
                           device_id=DEVICE, boot="b", seq=seq, signals=[])  # fmt: skip


def _occupancy(session: Session) -> None:
    old, kept = around("occupancy")
    # Aurora: two changes before the cutoff (the older expires, the newer carries the state
    # into the retained history) and one after; Borealis: one old change, its newest.
    for seq, (occupied, ts) in enumerate(
        ((True, old - timedelta(hours=2)), (False, old), (True, kept))
    ):
        session.add(occupancy_change(ROOM, occupied, ts, seq))
    session.add(occupancy_change(OTHER_ROOM, True, old - timedelta(days=3), 9))
    for online, at in ((True, old - timedelta(hours=1)), (False, old), (True, kept)):
        session.add(DeviceStatusChange(device_id=DEVICE, online=online, at=at, reason="test"))


def _bookings(session: Session) -> None:
    session.add(User(id="ann", display_name="Ann", role="member", created_at=NOW))
    session.flush()  # rows of unrelated models flush in name order: the user first
    session.add(
        Booking(id="bk", space_kind="room", space_id=ROOM, organizer_id="ann", title="Weekly",
                starts_at=NOW, ends_at=NOW + timedelta(hours=1), timezone="Europe/Berlin",
                source="api", created_at=NOW, updated_at=NOW)
    )  # fmt: skip
    session.flush()
    for when in around("checkin_trail"):
        session.add(BookingDecision(booking_id="bk", decided_at=when, effective_at=when,
                                    kind="kept", actor="hub", explanation="test"))  # fmt: skip
    for when in around("notifications"):
        session.add(Notification(created_at=when, user_id="ann", kind="booking.released",
                                 payload={"title": "Weekly"}))  # fmt: skip


def _reports(session: Session) -> None:
    for i, when in enumerate(around("reports")):
        first = date(2025, 1, 1 + i)
        run = ReportRun(period="daily", first_day=first, last_day=first + timedelta(days=1),
                        audience="all", created_at=when)  # fmt: skip
        run.files.append(ReportFileRow(name="report.csv", content_type="text/csv", size=1,
                                       content=b"x"))  # fmt: skip
        session.add(run)


def _audit(session: Session) -> None:
    for when in around("audit_log"):
        session.add(AuditEntry(at=when, actor="user:admin", action="user.create",
                               target="user:ann", details={}))  # fmt: skip


def rows(session: Session, model: Any, column: str) -> list[Any]:
    """``column`` of every row of ``model``, in id order (or the column's order)."""
    from sqlalchemy import select

    order = getattr(model, "id", getattr(model, column))
    return list(session.scalars(select(getattr(model, column)).order_by(order)))
