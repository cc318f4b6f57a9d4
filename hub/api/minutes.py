"""Minutes sessions: start and stop them on a room's terminals, list them, read transcripts.

Meeting content is for the meeting: admins, and members who organize or attend the booking
a session belongs to (the one the start command named, else the room's booking under way
when it started). A session without a booking is for admins only. Facilities staff, door
displays and terminals never see minutes (403), whatever their department.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.commands import MINUTES_TARGET, MinutesCommand, encode_minutes_command
from hub.api.common import UtcTime, not_found
from hub.api.errors import BAD_BODY, NOT_FOUND, _error
from hub.auth.dependencies import require_roles
from hub.auth.roles import Principal, Role
from hub.db.models import Booking, BookingAttendee, BookingOccurrence, Device, Room, User
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.state import ClockDep, IngestDep, SessionDep

router = APIRouter(tags=["minutes"])

#: Who may use the minutes endpoints at all; which sessions is decided per booking.
MINUTES_ROLES = (Role.ADMIN, Role.MEMBER)
MinutesCaller = Annotated[Principal, Depends(require_roles(*MINUTES_ROLES))]
SessionIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
# 409, not 503: the API answers no 5xx for a state of the hub it can describe (and the
# fuzz test holds it to that); the client may try again once the broker is back.
NO_BROKER: dict[int | str, dict[str, Any]] = {
    409: _error("The hub is not connected to the MQTT broker; nothing was sent.")
}


class MinutesIn(BaseModel):
    action: Literal["start", "stop"]
    title: str | None = Field(default=None, max_length=300)
    language: str = Field(default="auto", pattern=r"^(auto|[a-z]{2,3})$")


class MinutesSent(BaseModel):
    room_id: str
    devices: list[str] = Field(description="Terminals the command was published to.")
    command: MinutesCommand


class SessionOut(BaseModel):
    session_id: str
    room_id: str
    device_id: str
    started_at: UtcTime
    stopped_at: UtcTime | None
    start_reason: str | None
    stop_reason: str | None
    segments: int | None = Field(description="Final segments, as the terminal counted them.")
    title: str | None
    language: str | None
    booking_occurrence_id: int | None
    recording: bool = Field(description="The session's audio was written to the terminal's disk.")


class SegmentOut(BaseModel):
    segment: int
    start_s: float
    end_s: float
    at: UtcTime = Field(description="Wall time of the segment's start.")
    text: str
    language: str | None


class TranscriptOut(BaseModel):
    session: SessionOut
    segments: list[SegmentOut]
    text: str = Field(description="The final segments' text, joined in order.")


@router.post(
    "/rooms/{room_id}/minutes",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start or stop the minutes session on a room's terminals",
    responses={**NOT_FOUND, **BAD_BODY, **NO_BROKER},
)
def command_minutes(
    caller: MinutesCaller,
    room_id: str,
    body: MinutesIn,
    session: SessionDep,
    clock: ClockDep,
    ingest: IngestDep,
) -> MinutesSent:
    now = clock.now()
    if session.get(Room, room_id) is None:
        raise not_found("room", room_id)
    occurrence = booking_under_way(session, room_id, now)
    booking = None if occurrence is None else session.get(Booking, occurrence.booking_id)
    if not caller.is_admin and (booking is None or not _participates(session, caller, booking)):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"no meeting of yours is under way in room {room_id!r}",
        )
    devices = list(session.scalars(select(Device.id).where(Device.room_id == room_id)))
    command = MinutesCommand(action=body.action)
    if body.action == "start":
        command = MinutesCommand(
            action="start",
            title=body.title or (booking.title if booking is not None else None) or None,
            roster=_roster(session, booking),
            language=body.language,
            booking_occurrence_id=None if occurrence is None else occurrence.id,
        )
    publish = getattr(ingest, "publish_command", None)
    if publish is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="this hub has no MQTT broker configured"
        )
    payload = encode_minutes_command(command, now)
    sent = [d for d in devices if publish(room_id, d, MINUTES_TARGET, payload)]
    if devices and not sent:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail="the hub is not connected to the MQTT broker: nothing was sent, try again",
        )
    return MinutesSent(room_id=room_id, devices=sent, command=command)


@router.get(
    "/rooms/{room_id}/minutes/sessions",
    summary="Minutes sessions of a room you may read, newest first",
    responses=NOT_FOUND,
)
def list_sessions(caller: MinutesCaller, room_id: str, session: SessionDep) -> list[SessionOut]:
    if session.get(Room, room_id) is None:
        raise not_found("room", room_id)
    rows = session.scalars(
        select(MinutesSession)
        .where(MinutesSession.room_id == room_id)
        .order_by(MinutesSession.started_at.desc(), MinutesSession.id.desc())
        .limit(1000)
    )
    return [_session_out(r) for r in rows if may_read(session, caller, r)]


@router.get(
    "/minutes/sessions/{session_id}/transcript",
    summary="The transcript of a minutes session",
    responses=NOT_FOUND,
)
def get_transcript(
    caller: MinutesCaller, session_id: SessionIdPath, session: SessionDep
) -> TranscriptOut:
    row = session.scalar(
        select(MinutesSession)
        .where(MinutesSession.session_id == session_id)
        .order_by(MinutesSession.id)
        .limit(1)
    )
    if row is None or not may_read(session, caller, row):
        raise not_found("minutes session", session_id)
    pieces = list(
        session.scalars(
            select(TranscriptSegment)
            .where(
                TranscriptSegment.session_id == session_id,
                TranscriptSegment.device_id == row.device_id,
                TranscriptSegment.final.is_(True),
            )
            .order_by(TranscriptSegment.segment)
        )
    )
    segments = [
        SegmentOut(
            segment=p.segment,
            start_s=p.start_s,
            end_s=p.end_s,
            at=p.started_at + timedelta(seconds=p.start_s),
            text=p.text,
            language=p.language,
        )
        for p in pieces
    ]
    return TranscriptOut(
        session=_session_out(row), segments=segments, text=join_texts([p.text for p in pieces])
    )


# -- access and helpers ------------------------------------------------------------------


def may_read(session: Session, caller: Principal, row: MinutesSession) -> bool:
    """Admins; members who organize or attend the session's booking. Nobody else."""
    if caller.is_admin:
        return True
    if caller.role is not Role.MEMBER or row.booking_occurrence_id is None:
        return False
    occurrence = session.get(BookingOccurrence, row.booking_occurrence_id)
    booking = None if occurrence is None else session.get(Booking, occurrence.booking_id)
    return booking is not None and _participates(session, caller, booking)


def booking_under_way(session: Session, room_id: str, at: datetime) -> BookingOccurrence | None:
    return session.scalar(
        select(BookingOccurrence)
        .where(
            BookingOccurrence.space_kind == "room",
            BookingOccurrence.space_id == room_id,
            BookingOccurrence.starts_at <= at,
            BookingOccurrence.ends_at > at,
            BookingOccurrence.state.not_in(("cancelled", "released")),
        )
        .order_by(BookingOccurrence.starts_at.desc())
        .limit(1)
    )


def _participates(session: Session, caller: Principal, booking: Booking) -> bool:
    if booking.organizer_id == caller.user_id:
        return True
    return (
        session.scalar(
            select(BookingAttendee.user_id).where(
                BookingAttendee.booking_id == booking.id,
                BookingAttendee.user_id == caller.user_id,
            )
        )
        is not None
    )


def _roster(session: Session, booking: Booking | None) -> list[str]:
    """Names of the organizer and attendees, for the transcriber's spelling hints."""
    if booking is None:
        return []
    ids = [booking.organizer_id] if booking.organizer_id else []
    ids += list(
        session.scalars(
            select(BookingAttendee.user_id).where(BookingAttendee.booking_id == booking.id)
        )
    )
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    people = [names[i] for i in ids if i in names]
    # External attendees are often e-mail addresses: no help for spelling a spoken name.
    people += [name for name in booking.external_attendees if "@" not in name]
    unique = list(dict.fromkeys(p.strip()[:200] for p in people if p.strip()))
    return unique[:200]


def join_texts(texts: list[str]) -> str:
    """Join segments with a space, but not between two CJK characters (Chinese has none)."""
    out = ""
    for text in (t.strip() for t in texts):
        if not text:
            continue
        if out and not (_is_cjk(out[-1]) and _is_cjk(text[0])):
            out += " "
        out += text
    return out


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3000 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def _session_out(row: MinutesSession) -> SessionOut:
    return SessionOut(
        session_id=row.session_id,
        room_id=row.room_id,
        device_id=row.device_id,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
        start_reason=row.start_reason,
        stop_reason=row.stop_reason,
        segments=row.segments,
        title=row.title,
        language=row.language,
        booking_occurrence_id=row.booking_occurrence_id,
        recording=bool(row.recording),
    )
