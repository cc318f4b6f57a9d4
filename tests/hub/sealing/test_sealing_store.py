"""Meeting content in the hub's database is sealed: ingest stores envelopes, reads open them,
a changed byte or a ciphertext moved to another meeting, department or field does not open,
and deleting a meeting deletes its key. On SQLite and PostgreSQL.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sealing_world import SECRET, TITLE, Speaker
from sqlalchemy import Engine, MetaData, delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from common.sealing.envelope import SealError
from common.sealing.master_keys import LocalKeyProvider
from hub.db.engine import make_engine, make_session_factory
from hub.db.key_models import MeetingKey
from hub.db.minutes_models import ActionItem, MeetingMinutes
from hub.db.models import DeadLetter
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.db.voice_models import VoiceCommand, voice_scope
from hub.ingest.apply import Received, apply_batch
from hub.minutes.deletion import delete_meeting
from hub.sealing import provider
from hub.sealing.keys import DEAD_LETTERS_SCOPE, MeetingKeyError
from hub.sealing.rotation import check_master_key
from tests.conftest import BACKENDS, FreshDatabase

COSMOS = Speaker("hq-f2-cosmos", "term-hq-f2-cosmos", "20260106T115000-c0c0c0c0")  # exec
AURORA = Speaker("hq-f1-aurora", "term-hq-f1-aurora", "20260106T115000-a0a0a0a0")  # shared


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, fresh_database: FreshDatabase) -> Iterator[Engine]:
    engine = make_engine(fresh_database(request.param, "org"))
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def ingest(factory: sessionmaker[Session], *raws: tuple[str, bytes]) -> None:
    clock = FakeClock()
    with factory() as session, session.begin():
        result = apply_batch(session, [Received(t, p, clock.now()) for t, p in raws], clock)
    assert result.dead == [] or all(d.reason for d in result.dead)


def a_meeting(speaker: Speaker) -> list[tuple[str, bytes]]:
    fresh = Speaker(speaker.room, speaker.device, speaker.session)
    return [
        fresh.started(),
        fresh.transcript(0, f"The {SECRET} is our codename."),
        fresh.transcript(1, "Nothing secret here."),
        fresh.minutes(),
        fresh.intent("20260106T115100-00000001", in_session=True),
    ]


def stored_values(engine: Engine) -> list[tuple[str, str, Any]]:
    """Every value of every table, as the database hands it out."""
    metadata = MetaData()
    metadata.reflect(engine)
    found = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                found += [(table.name, c, v) for c, v in row._mapping.items()]
    return found


def holding(engine: Engine, words: str) -> list[tuple[str, str]]:
    needle = words.encode()
    return [
        (t, c)
        for t, c, v in stored_values(engine)
        if (isinstance(v, str) and words in v) or (isinstance(v, bytes) and needle in v)
    ]


def test_ingested_content_is_sealed_in_every_table_and_reads_back(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    ingest(factory, *a_meeting(COSMOS))
    assert holding(engine, "quokka") == [] and holding(engine, "Zanzibar") == []
    with factory() as session:
        segments = session.scalars(
            select(TranscriptSegment).order_by(TranscriptSegment.segment)
        ).all()
        assert segments[0].text == f"The {SECRET} is our codename."
        assert session.scalars(select(MinutesSession)).one().title == TITLE
        minutes = session.scalars(select(MeetingMinutes)).one()
        assert minutes.decisions[0]["text"] == f"ship the {SECRET}"
        assert minutes.open_questions[0]["text"] == f"who owns the {SECRET}?"
        item = session.scalars(select(ActionItem)).one()
        assert (item.task, item.owner_name) == (f"send the {SECRET} slides", "Quokka Person")
        assert item.evidence["quote"] == f"I send the {SECRET} slides."
        command = session.scalars(select(VoiceCommand)).one()
        assert command.slots["task"] == f"order {SECRET}" and SECRET in command.text
        # One key for the meeting, with the room's department in its associated data.
        key = session.get(MeetingKey, COSMOS.session)
        assert key is not None and key.department_id == "exec"
        assert key.master_key_id == provider.current().key_id


def test_a_room_of_no_department_and_an_edit_through_the_orm(
    factory: sessionmaker[Session],
) -> None:
    ingest(factory, *a_meeting(AURORA))
    with factory() as session, session.begin():
        key = session.get(MeetingKey, AURORA.session)
        assert key is not None and key.department_id == ""
        item = session.scalars(select(ActionItem)).one()
        old = item.task_sealed
        item.task = "a new task"
    with factory() as session:
        item = session.scalars(select(ActionItem)).one()
        assert item.task == "a new task" and item.task_sealed != old


def _one_sealed(factory: sessionmaker[Session], column: str, session_id: str) -> bytes:
    with factory() as session:
        value = session.execute(
            select(getattr(TranscriptSegment, column)).where(
                TranscriptSegment.session_id == session_id, TranscriptSegment.segment == 0
            )
        ).scalar_one()
    return bytes(value)


def _segment_text(factory: sessionmaker[Session], session_id: str) -> str:
    with factory() as session:
        segment = session.scalars(
            select(TranscriptSegment).where(
                TranscriptSegment.session_id == session_id, TranscriptSegment.segment == 0
            )
        ).one()
        return segment.text


def test_a_changed_byte_does_not_open(factory: sessionmaker[Session]) -> None:
    ingest(factory, *a_meeting(COSMOS))
    envelope = bytearray(_one_sealed(factory, "text_sealed", COSMOS.session))
    envelope[20] ^= 0x40
    with factory() as session, session.begin():
        session.execute(
            update(TranscriptSegment)
            .where(TranscriptSegment.segment == 0)
            .values(text_sealed=bytes(envelope))
        )
    with pytest.raises(SealError, match=r"transcript_segments\.text of meeting .* does not open"):
        _segment_text(factory, COSMOS.session)


def test_a_ciphertext_moved_to_another_meeting_or_field_does_not_open(
    factory: sessionmaker[Session],
) -> None:
    ingest(factory, *a_meeting(COSMOS), *a_meeting(AURORA))
    cosmos_text = _one_sealed(factory, "text_sealed", COSMOS.session)
    with factory() as session, session.begin():
        session.execute(
            update(TranscriptSegment)
            .where(TranscriptSegment.session_id == AURORA.session, TranscriptSegment.segment == 0)
            .values(text_sealed=cosmos_text)
        )
        task = session.scalars(
            select(ActionItem.task_sealed).where(ActionItem.session_id == COSMOS.session)
        ).one()
        session.execute(
            update(ActionItem)
            .where(ActionItem.session_id == COSMOS.session)
            .values(owner_name_sealed=task)
        )
    with pytest.raises(SealError, match="does not open"):
        _segment_text(factory, AURORA.session)
    with factory() as session, pytest.raises(SealError, match=r"action_items\.owner_name"):
        session.scalars(select(ActionItem).where(ActionItem.session_id == COSMOS.session)).one()


def test_a_meeting_key_moved_to_another_department_does_not_unwrap(
    factory: sessionmaker[Session],
) -> None:
    ingest(factory, *a_meeting(COSMOS))
    with factory() as session, session.begin():
        session.execute(
            update(MeetingKey)
            .where(MeetingKey.scope == COSMOS.session)
            .values(department_id="engineering")
        )
    with pytest.raises(MeetingKeyError, match=f"key of meeting {COSMOS.session} does not unwrap"):
        _segment_text(factory, COSMOS.session)


def test_deleting_a_meeting_deletes_its_key_and_what_it_sealed(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    ingest(factory, *a_meeting(COSMOS), *a_meeting(AURORA))
    # A refused transcript of the meeting: a dead letter sealed with the meeting's key.
    bad = Speaker(COSMOS.room, COSMOS.device, COSMOS.session, seq=50)
    topic, payload = bad.transcript(7, f"refused {SECRET}")
    ingest(factory, (topic, payload.replace(b'"final":true', b'"final":"perhaps"')))
    with factory() as session:
        (letter,) = session.scalars(select(DeadLetter)).all()
        assert letter.key_scope == COSMOS.session and b"refused" in letter.payload
    saved = _one_sealed(factory, "text_sealed", COSMOS.session)

    with factory() as session, session.begin():
        meeting = session.scalars(
            select(MinutesSession).where(MinutesSession.session_id == COSMOS.session)
        ).one()
        delete_meeting(session, meeting, "admin", FakeClock().now())
    with factory() as session:
        assert session.get(MeetingKey, COSMOS.session) is None
        assert session.get(MeetingKey, AURORA.session) is not None
        assert session.scalars(select(DeadLetter)).all() == []
        assert session.scalars(select(VoiceCommand.session_id)).all() == [AURORA.session]
    # A copy of a row that outlived the deletion (a restored table, say) no longer opens.
    with factory() as session, session.begin():
        session.execute(
            text(
                "INSERT INTO transcript_segments (device_id, boot, seq, room_id, session_id,"
                " segment, start_s, end_s, started_at, text_sealed, final, language, received_at)"
                " SELECT device_id, boot, 999, room_id, :s, 0, 0, 1, started_at, :t, final,"
                " language, received_at FROM transcript_segments WHERE session_id = :a LIMIT 1"
            ),
            {"s": COSMOS.session, "t": saved, "a": AURORA.session},
        )
    with pytest.raises(SealError, match="has no key"):
        _segment_text(factory, COSMOS.session)
    with factory() as session, session.begin():
        session.execute(delete(TranscriptSegment).where(TranscriptSegment.seq == 999))
    assert _segment_text(factory, AURORA.session) == f"The {SECRET} is our codename."


def test_voice_commands_outside_a_meeting_and_dead_letters_naming_none_have_keys_of_their_own(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    loose = Speaker(COSMOS.room, COSMOS.device, COSMOS.session)
    ingest(factory, loose.intent("20260106T115100-00000002", in_session=False))
    ingest(
        factory,
        (
            "quorum/v1/rooms/hq-f2-cosmos/devices/term-hq-f2-cosmos/speech/transcript",
            f"not json {SECRET}".encode(),
        ),
    )
    assert holding(engine, "quokka") == []
    with factory() as session:
        command = session.scalars(select(VoiceCommand)).one()
        assert SECRET in command.text and command.session_id is None
        assert session.get(MeetingKey, voice_scope(command.device_id, command.utterance))
        letter = session.scalars(select(DeadLetter)).one()
        assert letter.key_scope == DEAD_LETTERS_SCOPE and SECRET.encode() in letter.payload


def test_a_rolled_back_key_is_forgotten(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        with session.begin():
            session.add(
                DeadLetter(
                    received_at=FakeClock().now(), topic="x", payload=b"one", reason="r", detail="d"
                )
            )
            session.flush()
            session.rollback()
        with session.begin():  # the same session: its key cache must not offer the lost key
            session.add(
                DeadLetter(
                    received_at=FakeClock().now(), topic="x", payload=b"two", reason="r", detail="d"
                )
            )
    with factory() as session:
        assert [d.payload for d in session.scalars(select(DeadLetter))] == [b"two"]


@pytest.fixture
def other_master_key() -> Iterator[LocalKeyProvider]:
    other = LocalKeyProvider(os.urandom(32), "another key")
    yield other
    provider.install(None)  # back to the environment's key (tests/conftest.py)


def test_a_wrong_master_key_is_named(
    engine: Engine, factory: sessionmaker[Session], other_master_key: LocalKeyProvider
) -> None:
    ingest(factory, *a_meeting(COSMOS))
    right = provider.current()
    assert check_master_key(engine, right) is None
    provider.install(other_master_key)
    with pytest.raises(
        MeetingKeyError,
        match=f"wrapped by master key {right.key_id}, but the configured master key is "
        f"{other_master_key.key_id}",
    ):
        _segment_text(factory, COSMOS.session)
    message = check_master_key(engine, other_master_key)
    assert message is not None and right.key_id in message and "wraps none" in message
