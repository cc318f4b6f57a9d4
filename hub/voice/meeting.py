"""Voice commands about the meeting: minutes on/off, off the record, action items, decisions.

Minutes and "off the record" are the terminal's own business (they work with no hub): the
hub only records them. An action item or a decision goes into the current session's draft
minutes, made now if the terminal has not sent any yet; items and decisions added by voice
are marked ``source: voice`` in their evidence, so the terminal's minutes, when they come,
keep them (hub/minutes/store.py).
"""

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from hub.db.minutes_models import ActionItem, MeetingMinutes
from hub.db.models import BookingOccurrence, Device
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.minutes.store import OwnerNames, is_deleted
from hub.voice.actions import Handler, Outcome, VoiceContext, done, refused
from hub.voice.replies import CHINESE, language_of
from speech.minutes import dates_en, dates_zh

VOICE = "voice"  # evidence["source"] of what a voice command added
MAX_TASK = 2_000
# Transcript segments looked at for "mark that as a decision".
RECENT_SEGMENTS = 50


def room_only(reply: str) -> Handler:
    def handle(_: VoiceContext) -> Outcome:
        return done(reply, done_by="terminal")

    return handle


def _current_session(ctx: VoiceContext) -> MinutesSession | None:
    """The command's session, else the room's session running when it was said."""
    command = ctx.command
    if command.session_id is not None:
        return ctx.session.scalar(
            select(MinutesSession)
            .where(MinutesSession.session_id == command.session_id)
            .order_by(MinutesSession.id)
            .limit(1)
        )
    said = command.said_at
    return ctx.session.scalar(
        select(MinutesSession)
        .join(Device, Device.id == MinutesSession.device_id)
        .where(
            Device.room_id == command.room_id,
            MinutesSession.started_at <= said,
            (MinutesSession.stopped_at.is_(None)) | (MinutesSession.stopped_at > said),
        )
        .order_by(MinutesSession.started_at.desc())
        .limit(1)
    )


def _draft(ctx: VoiceContext) -> tuple[MeetingMinutes | None, Outcome | None]:
    """The current session's draft minutes (made if none yet), or why there is none."""
    meeting = _current_session(ctx)
    session_id = ctx.command.session_id or (meeting.session_id if meeting else None)
    if session_id is None:
        return None, refused("no_minutes", "no_minutes")
    if is_deleted(ctx.session, session_id):
        return None, refused("meeting_deleted", "minutes_closed", session=session_id)
    row = ctx.session.scalar(select(MeetingMinutes).where(MeetingMinutes.session_id == session_id))
    if row is not None:
        if row.status != "draft":
            return None, refused("minutes_confirmed", "minutes_closed", session=session_id)
        return row, None
    row = MeetingMinutes(
        session_id=session_id,
        device_id=ctx.command.device_id,
        room_id=ctx.command.room_id,
        status="draft",
        language=language_of(ctx.command.language, ctx.command.text),
        meeting_start=_meeting_start(ctx, meeting),
        decisions=[],
        open_questions=[],
        received_at=ctx.now,
        updated_at=ctx.now,
        edited=False,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row, None


def _meeting_start(ctx: VoiceContext, meeting: MinutesSession | None) -> datetime:
    if meeting is None:
        return ctx.command.said_at
    if meeting.booking_occurrence_id is not None:
        occurrence = ctx.session.get(BookingOccurrence, meeting.booking_occurrence_id)
        if occurrence is not None:
            return occurrence.starts_at
    return meeting.started_at


def _evidence(ctx: VoiceContext, quote: str, start: float | None) -> dict[str, object]:
    return {"quote": quote[:MAX_TASK], "line": None, "start": start, "source": VOICE}


def _seconds_into(ctx: VoiceContext, row: MeetingMinutes) -> float | None:
    meeting = _current_session(ctx)
    if meeting is None or meeting.session_id != row.session_id:
        return None
    return max(0.0, (ctx.command.said_at - meeting.started_at).total_seconds())


def add_action_item(ctx: VoiceContext) -> Outcome:
    slots = ctx.command.slots
    task = slots.get("task")
    person = slots.get("person")
    if not isinstance(task, str) or not task.strip():
        return refused("no_task", "no_task")
    row, why = _draft(ctx)
    if row is None:
        assert why is not None
        return why
    person_name = person.strip()[:200] if isinstance(person, str) and person.strip() else None
    owner_id = OwnerNames(ctx.session, row.session_id).match(person_name)
    language = language_of(ctx.command.language, ctx.command.text)
    dates = dates_zh if language == CHINESE else dates_en
    # Due dates count from the meeting's local day ("by Friday").
    due = dates.due_date(task, row.meeting_start.astimezone(ctx.zone))
    position = ctx.session.scalar(
        select(func.max(ActionItem.position)).where(ActionItem.session_id == row.session_id)
    )
    review = ["added by voice"]
    if person_name is not None and owner_id is None:
        review.append("the owner's name matched nobody in the directory")
    item = ActionItem(
        session_id=row.session_id,
        position=(position + 1) if position is not None else 0,
        task=task.strip()[:MAX_TASK],
        owner_name=person_name,
        owner_user_id=owner_id,
        due=due,
        evidence=_evidence(ctx, ctx.command.text, _seconds_into(ctx, row)),
        review=review,
        status="open",
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(item)
    row.updated_at = ctx.now
    ctx.session.flush()
    detail = {
        "session": row.session_id,
        "action_item_id": item.id,
        "owner_found": owner_id is not None,
    }
    if person_name is None:
        return done("action_item", **detail)
    return done("action_item_for", {"owner": person_name}, **detail)


def mark_decision(ctx: VoiceContext) -> Outcome:
    """The last thing said before the command becomes a decision (else the command's text)."""
    row, why = _draft(ctx)
    if row is None:
        assert why is not None
        return why
    segment = _last_segment(ctx, row.session_id)
    if segment is not None:
        text, evidence = segment.text, _evidence(ctx, segment.text, segment.start_s)
    else:
        text = ctx.command.text
        evidence = _evidence(ctx, text, _seconds_into(ctx, row))
    row.decisions = [*row.decisions, {"text": text[:MAX_TASK], "evidence": evidence}]
    row.updated_at = ctx.now
    ctx.session.flush()
    return done(
        "decision",
        session=row.session_id,
        decision=len(row.decisions) - 1,
        from_transcript=segment is not None,
    )


def _last_segment(ctx: VoiceContext, session_id: str) -> TranscriptSegment | None:
    said = ctx.command.said_at
    command = _words(ctx.command.text)
    recent = ctx.session.scalars(
        select(TranscriptSegment)
        .where(TranscriptSegment.session_id == session_id, TranscriptSegment.final.is_(True))
        .order_by(TranscriptSegment.segment.desc())
        .limit(RECENT_SEGMENTS)
    )
    for segment in recent:
        if segment.started_at + timedelta(seconds=segment.start_s) > said:
            continue  # said after the command
        if _words(segment.text) == command:
            continue  # the transcriber heard the command itself
        return segment
    return None


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))
