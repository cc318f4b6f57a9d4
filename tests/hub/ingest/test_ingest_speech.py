"""Speech messages into the database: transcripts, minutes sessions, the activity flag."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from ingest_builders import T0, Raw, Terminal, aurora
from ingest_builders import apply_raws as run
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from contract import topics
from hub.db.models import Booking, BookingOccurrence, DeadLetter, SensorEvent
from hub.db.speech_models import MinutesSession, TranscriptSegment

GOLDEN = Path(__file__).resolve().parents[2] / "contract" / "golden"
Factory = sessionmaker[Session]
SESSION = "20260105T080000-5be2a7f1"


def golden(name: str) -> Raw:
    example = json.loads((GOLDEN / f"{name}.json").read_text())
    return example["topic"], orjson.dumps(example["payload"])


def transcript(terminal: Terminal, segment: int, text: str, *, final: bool = True) -> Raw:
    data = {
        "session": SESSION,
        "segment": segment,
        "start_s": 2.0 * segment,
        "end_s": 2.0 * segment + 1.5,
        "started_at": T0.isoformat(),
        "text": text,
        "final": final,
        "language": "en",
    }
    topic = topics.speech_topic(terminal.prefix, terminal.room, terminal.device, "transcript")
    return topic, terminal.envelope("transcript", data)


def minutes(terminal: Terminal, state: str, **extra: Any) -> Raw:
    data = {"session": SESSION, "state": state, "started_at": T0.isoformat(), **extra}
    data.setdefault("reason", "hub_command")
    topic = topics.speech_topic(terminal.prefix, terminal.room, terminal.device, "minutes")
    return topic, terminal.envelope("minutes_session", data)


def segments(factory: Factory) -> list[TranscriptSegment]:
    with factory() as session:
        query = select(TranscriptSegment).order_by(
            TranscriptSegment.segment, TranscriptSegment.final
        )
        return list(session.scalars(query))


def sessions(factory: Factory) -> list[MinutesSession]:
    with factory() as session:
        return list(session.scalars(select(MinutesSession)))


def test_golden_speech_messages_are_stored_not_dead_lettered(
    session_factory: Factory, clock: FakeClock
) -> None:
    raws = [golden(n) for n in ("minutes_started", "transcript", "speech_activity")]
    result = run(session_factory, clock, *raws, golden("minutes_stopped"))
    assert result.stored == 4 and result.dead == []
    (row,) = segments(session_factory)
    assert (row.session_id, row.segment, row.final, row.language) == (
        "20261127T090300-5be2a7f1",
        4,
        True,
        "en",
    )
    assert row.room_id == "hq-f1-aurora" and row.received_at == clock.now()
    (minutes_row,) = sessions(session_factory)
    assert (minutes_row.start_reason, minutes_row.stop_reason) == ("hub_command", "button")
    assert minutes_row.segments == 187 and minutes_row.title == "Launch review"
    assert minutes_row.booking_occurrence_id == 42 and minutes_row.stopped_at is not None
    with session_factory() as session:
        flag = session.scalars(select(SensorEvent)).one()
        assert (flag.kind, flag.sensor_id, flag.active) == ("speech_activity", "microphone", True)
        assert session.scalars(select(DeadLetter)).all() == []


def test_redelivered_segments_are_stored_once(session_factory: Factory, clock: FakeClock) -> None:
    terminal = aurora()
    first, second = transcript(terminal, 0, "Hello."), transcript(terminal, 1, "Agenda.")
    assert run(session_factory, clock, first, first, second).stored == 2
    result = run(session_factory, clock, second, first)
    assert (result.stored, result.duplicates) == (0, 2)
    assert [s.text for s in segments(session_factory)] == ["Hello.", "Agenda."]


def test_an_interim_is_replaced_by_later_ones_and_kept_beside_the_final(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = aurora()
    run(session_factory, clock, transcript(terminal, 0, "Hel", final=False))
    run(
        session_factory,
        clock,
        transcript(terminal, 0, "Hello th", final=False),
        transcript(terminal, 0, "Hello there", final=False),
    )
    run(session_factory, clock, transcript(terminal, 0, "Hello there.", final=True))
    rows = segments(session_factory)
    assert [(r.final, r.text) for r in rows] == [(False, "Hello there"), (True, "Hello there.")]


def test_a_stop_before_its_start_fills_the_same_session(
    session_factory: Factory, clock: FakeClock
) -> None:
    terminal = aurora()
    stop = minutes(terminal, "stopped", stopped_at=(T0 + timedelta(minutes=5)).isoformat())
    start = minutes(terminal, "started", title="Weekly", reason="button")
    run(session_factory, clock, stop)
    run(session_factory, clock, start)
    (row,) = sessions(session_factory)
    assert (row.start_reason, row.stop_reason, row.title) == ("button", "hub_command", "Weekly")
    assert row.stopped_at == T0 + timedelta(minutes=5)


def test_a_session_without_a_booking_is_attached_to_the_booking_under_way(
    session_factory: Factory, clock: FakeClock
) -> None:
    with session_factory() as session, session.begin():
        booking = Booking(
            id="b-1",
            space_kind="room",
            space_id="hq-f1-aurora",
            organizer_id=None,
            title="Stand-up",
            starts_at=T0 - timedelta(minutes=10),
            ends_at=T0 + timedelta(minutes=20),
            timezone="Europe/Berlin",
            source="api",
            created_at=T0,
            updated_at=T0,
        )
        session.add(booking)
        session.flush()
        occurrence = BookingOccurrence(
            booking_id="b-1",
            space_kind="room",
            space_id="hq-f1-aurora",
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )
        session.add(occurrence)
        session.flush()
        occurrence_id = occurrence.id
    run(session_factory, clock, minutes(aurora(), "started", reason="button"))
    assert sessions(session_factory)[0].booking_occurrence_id == occurrence_id
