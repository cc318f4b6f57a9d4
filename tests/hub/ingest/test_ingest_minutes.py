"""The terminals' ``minutes`` and ``minutes_deleted`` messages into the database."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import orjson
from ingest_builders import Raw
from ingest_builders import apply_raws as run
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from hub.db.minutes_models import ActionItem, MeetingDeletion, MeetingMinutes
from hub.db.models import User

GOLDEN = Path(__file__).resolve().parents[2] / "contract" / "golden"
Factory = sessionmaker[Session]
SESSION = "20261127T090300-5be2a7f1"


def golden(name: str, **data: object) -> Raw:
    example = json.loads((GOLDEN / f"{name}.json").read_text())
    example["payload"]["data"].update(data)
    if data:
        example["payload"]["seq"] += 1  # another message of the terminal's
    return example["topic"], orjson.dumps(example["payload"])


def add_users(factory: Factory) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    with factory() as session, session.begin():
        session.add(User(id="ana", display_name="Ana Lima", role="member", created_at=when))
        session.add(
            User(
                id="benjamin",
                display_name="Benjamin O.",
                aliases=["Ben Okafor"],
                role="member",
                created_at=when,
            )
        )


def items(factory: Factory) -> list[ActionItem]:
    with factory() as session:
        return list(session.scalars(select(ActionItem).order_by(ActionItem.position)))


def test_golden_minutes_become_a_draft_with_owners(
    session_factory: Factory, clock: FakeClock
) -> None:
    add_users(session_factory)
    result = run(session_factory, clock, golden("minutes"))
    assert result.stored == 1 and result.dead == []
    with session_factory() as session:
        (row,) = session.scalars(select(MeetingMinutes))
        assert (row.session_id, row.status, row.language) == (SESSION, "draft", "en")
        assert row.device_id == "term-hq-f1-aurora" and row.room_id == "hq-f1-aurora"
        assert row.received_at == clock.now()
        assert row.decisions[0]["text"] == "the new display layout moves to the next release"
        assert row.open_questions[0]["evidence"]["start"] == 1490.1
    slides, boardroom = items(session_factory)
    # "ben" is no user here: the name is matched (an alias); "ana" is.
    assert (slides.owner_user_id, slides.owner_name, slides.due) == (
        "benjamin",
        "Ben Okafor",
        date(2026, 11, 27),
    )
    assert slides.evidence["quote"].startswith("Ben will send the slides")
    assert (boardroom.owner_user_id, boardroom.due, boardroom.status) == ("ana", None, "open")
    assert boardroom.review == ["the speaker is not known: the organizer is the owner"]


def test_a_repeated_message_is_stored_once(session_factory: Factory, clock: FakeClock) -> None:
    run(session_factory, clock, golden("minutes"))
    again = run(session_factory, clock, golden("minutes"), golden("minutes"))
    assert again.stored == 0 and again.duplicates == 2
    assert len(items(session_factory)) == 2


def test_a_newer_message_replaces_a_draft_but_not_confirmed_minutes(
    session_factory: Factory, clock: FakeClock
) -> None:
    run(session_factory, clock, golden("minutes"))
    one = [{"task": "only this", "evidence": {"quote": "Only this."}}]
    run(session_factory, clock, golden("minutes", action_items=one))
    assert [i.task for i in items(session_factory)] == ["only this"]
    with session_factory() as session, session.begin():
        session.scalars(select(MeetingMinutes)).one().status = "confirmed"
    raw = golden("minutes", action_items=[])
    topic, payload = raw
    later = orjson.loads(payload)
    later["seq"] += 1
    run(session_factory, clock, (topic, orjson.dumps(later)))
    assert [i.task for i in items(session_factory)] == ["only this"]


def test_minutes_deleted_marks_the_deletion_and_late_minutes_are_dropped(
    session_factory: Factory, clock: FakeClock
) -> None:
    with session_factory() as session, session.begin():
        session.add(
            MeetingDeletion(
                session_id=SESSION,
                room_id="hq-f1-aurora",
                deleted_at=clock.now(),
                deleted_by="admin",
                command_attempts=1,
            )
        )
    result = run(session_factory, clock, golden("minutes"), golden("minutes_deleted"))
    assert result.stored == 2 and result.dead == []
    assert items(session_factory) == []
    with session_factory() as session:
        assert session.scalars(select(MeetingMinutes)).all() == []
        (row,) = session.scalars(select(MeetingDeletion))
        assert row.terminal_deleted_at == clock.now()
