"""Migration 0015 seals the meeting content already in a database (SQLite and PostgreSQL),
opens it again on the way down, and refuses, changing nothing, without a master key."""

from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sealing_world import SECRET
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.engine import make_url

from common.sealing.master_keys import MasterKeyError
from hub.db.engine import make_engine, make_session_factory
from hub.db.key_models import MeetingKey
from hub.db.migrate import upgrade
from hub.db.minutes_models import ActionItem, ActionItemDelivery, MeetingMinutes
from hub.db.models import DeadLetter
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.db.voice_models import VoiceCommand
from hub.sealing import provider
from tests.conftest import BACKENDS, FreshDatabase

BEFORE = "0014_auth_refresh_and_audit"
AFTER = "0015_encryption_at_rest"
AT = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
SESSION = "20260106T115000-5be2a7f1"
ROOM_TOPIC = "quorum/v1/rooms/r1/devices/t1/speech/transcript"


def _rows() -> dict[str, list[dict[str, Any]]]:
    times = {"received_at": AT, "updated_at": AT}
    return {
        "departments": [{"id": "exec", "name": "Exec"}],
        "sites": [{"id": "s", "name": "Site"}],
        "buildings": [{"id": "b", "site_id": "s", "name": "B"}],
        "floors": [{"id": "f", "building_id": "b", "name": "F", "level": 1}],
        "rooms": [
            {
                "id": "r1",
                "floor_id": "f",
                "name": "R1",
                "kind": "meeting_room",
                "capacity": 4,
                "timezone": "UTC",
                "department_id": "exec",
                "work_start": time(8),
                "work_end": time(18),
                "work_days": ["mon"],
            }
        ],
        "minutes_sessions": [
            {
                "session_id": SESSION,
                "device_id": "t1",
                "room_id": "r1",
                "started_at": AT,
                "title": f"{SECRET} review",
                "recording": False,
            }
        ],
        "transcript_segments": [
            {
                "device_id": "t1",
                "boot": "b1",
                "seq": 1,
                "room_id": "r1",
                "session_id": SESSION,
                "segment": 0,
                "start_s": 0.0,
                "end_s": 1.0,
                "started_at": AT,
                "text": f"the {SECRET} is ready",
                "final": True,
                "language": "en",
                "received_at": AT,
            }
        ],
        "meeting_minutes": [
            {
                "session_id": SESSION,
                "device_id": "t1",
                "room_id": "r1",
                "status": "draft",
                "language": "en",
                "meeting_start": AT,
                "edited": False,
                "decisions": [{"text": f"ship {SECRET}", "evidence": {"quote": "ok"}}],
                "open_questions": [],
                **times,
            }
        ],
        "action_items": [
            {
                "session_id": SESSION,
                "position": 0,
                "task": f"buy {SECRET}",
                "owner_name": None,
                "evidence": {"quote": f"I buy {SECRET}"},
                "review": [],
                "status": "open",
                "created_at": AT,
                "updated_at": AT,
            }
        ],
        "action_item_deliveries": [
            {
                "item_id": 1,
                "session_id": SESSION,
                "user_id": "u",
                "event": "e",
                "payload": {"task": f"buy {SECRET}"},
                "created_at": AT,
                "state": "pending",
                "webhooks_done": [],
                "attempts": 0,
            }
        ],
        "voice_commands": [
            {
                "device_id": "t1",
                "room_id": "r1",
                "utterance": "u1",
                "intent": "mute",
                "slots": {"task": SECRET},
                "confidence": 0.9,
                "text": f"hey {SECRET}",
                "trigger": "wake",
                "session_id": None,
                "said_at": AT,
                "received_at": AT,
                "outcome": "done",
                "detail": {},
            }
        ],
        "dead_letters": [
            {
                "received_at": AT,
                "topic": ROOM_TOPIC,
                "reason": "invalid_data",
                "detail": "d",
                "payload": f'{{"data": {{"session": "{SESSION}", "text": "{SECRET}"}}}}'.encode(),
            }
        ],
    }


def _fill(engine: Engine) -> None:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table, rows in _rows().items():
            connection.execute(metadata.tables[table].insert(), rows)


def _values(engine: Engine) -> list[Any]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return [
            value
            for table in metadata.sorted_tables
            for row in connection.execute(select(table))
            for value in row
        ]


def _holds_secret(engine: Engine) -> bool:
    return any(
        SECRET.encode() in v if isinstance(v, bytes) else SECRET in str(v) for v in _values(engine)
    )


def _file_bytes(url: str) -> bytes:
    database = make_url(url).database
    assert database is not None
    return b"".join(p.read_bytes() for p in Path(database).parent.glob(Path(database).name + "*"))


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, fresh_database: FreshDatabase) -> Iterator[str]:
    url = fresh_database(request.param, "empty")
    upgrade(url, BEFORE)
    yield url


def test_existing_content_is_sealed_and_opened_again_on_the_way_down(database: str) -> None:
    engine = make_engine(database)
    _fill(engine)
    assert _holds_secret(engine)
    engine.dispose()

    upgrade(database, AFTER)
    engine = make_engine(database)
    assert not _holds_secret(engine)
    engine.dispose()  # SQLite: the WAL goes into the file
    if database.startswith("sqlite"):
        assert SECRET.encode() not in _file_bytes(database)

    upgrade(database)  # the ORM's schema (later migrations too)
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        assert session.scalars(select(TranscriptSegment)).one().text == f"the {SECRET} is ready"
        assert session.scalars(select(MinutesSession)).one().title == f"{SECRET} review"
        assert (
            session.scalars(select(MeetingMinutes)).one().decisions[0]["text"] == f"ship {SECRET}"
        )
        item = session.scalars(select(ActionItem)).one()
        assert (item.task, item.owner_name, item.review) == (f"buy {SECRET}", None, [])
        assert session.scalars(select(ActionItemDelivery)).one().payload == {
            "task": f"buy {SECRET}"
        }
        command = session.scalars(select(VoiceCommand)).one()
        assert (command.text, command.slots) == (f"hey {SECRET}", {"task": SECRET})
        letter = session.scalars(select(DeadLetter)).one()
        assert letter.key_scope == SESSION and SECRET.encode() in letter.payload
        key = session.get(MeetingKey, SESSION)
        assert key is not None and key.department_id == "exec"
    engine.dispose()

    from alembic import command

    from hub.db.migrate import alembic_config

    command.downgrade(alembic_config(database), BEFORE)
    engine = make_engine(database)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        segments = metadata.tables["transcript_segments"]
        assert connection.execute(select(segments.c.text)).scalar_one() == f"the {SECRET} is ready"
        assert "meeting_keys" not in metadata.tables
    engine.dispose()


def test_without_a_master_key_the_migration_changes_nothing_and_says_how_to_make_one(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database)
    _fill(engine)
    engine.dispose()
    for name in ("QUORUM_MASTER_KEY", "QUORUM_MASTER_KEY_FILE", "QUORUM_KEY_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    provider.install(None)
    with pytest.raises(MasterKeyError, match="python -m hub keys create --out"):
        upgrade(database, AFTER)
    engine = make_engine(database)
    metadata = MetaData()
    metadata.reflect(engine)
    assert "meeting_keys" not in metadata.tables
    assert "text" in metadata.tables["transcript_segments"].c
    assert _holds_secret(engine)
    engine.dispose()
    monkeypatch.undo()  # the key is back: the same database migrates
    upgrade(database, AFTER)


def test_an_empty_database_needs_no_key(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QUORUM_MASTER_KEY", "QUORUM_MASTER_KEY_FILE", "QUORUM_KEY_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    provider.install(None)
    upgrade(database, AFTER)
