"""The retention job on a real database: what expired is deleted, what is just inside its
period stays, the counts say so, and meetings go through hub.minutes.deletion."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from retention_world import DAYS, NOW, ROOM, cutoff, fill, rows
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from hub.db.audit_models import AuditEntry
from hub.db.engine import make_engine, make_session_factory
from hub.db.minutes_models import ActionItem, MeetingDeletion, MeetingMinutes
from hub.db.models import (
    BookingDecision,
    DeadLetter,
    DeviceStatusChange,
    GivenUpRange,
    IngestedMessage,
    Notification,
    OccupancyChange,
    SensorEvent,
)
from hub.db.report_models import ReportFileRow, ReportRun
from hub.db.retention_models import RetentionRun
from hub.db.speech_models import MinutesSession, TranscriptSegment
from hub.db.voice_models import VoiceCommand
from hub.retention import meetings as retention_meetings
from hub.retention.classes import CLASSES
from hub.retention.run import periods_from
from hub.retention.runner import run_locked
from hub.settings import Settings

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest, fresh_database: Any) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(fresh_database(request.param, "org"))
    factory = make_session_factory(engine)
    with factory() as session:
        fill(session)
    yield factory
    engine.dispose()


def defaults() -> dict[str, int]:
    return periods_from(Settings(_env_file=None))


def test_the_world_is_built_around_the_default_periods() -> None:
    assert defaults() == DAYS
    assert [c.name for c in CLASSES] == list(DAYS)


def test_expired_rows_go_rows_just_inside_stay_and_the_counts_say_so(
    factory: sessionmaker[Session],
) -> None:
    report = run_locked(factory, FakeClock(NOW), defaults())

    assert report.counts() == {
        "transcripts": 4,  # two segments each of m-old and m-year
        "minutes": 1,  # m-old, whole
        "voice_commands": 1,
        "sensor_events": 1,  # the older pir event
        "ingest_log": 3,  # seqs 1 and 2, and the given-up range
        "dead_letters": 1,
        "occupancy": 2,  # Aurora's older change, and the older status change
        "checkin_trail": 1,
        "notifications": 1,
        "reports": 1,
        "audit_log": 1,
    }
    with factory() as session:
        kept = {name: cutoff(name) + timedelta(minutes=1) for name in DAYS}
        assert rows(session, VoiceCommand, "said_at") == [kept["voice_commands"]]
        assert rows(session, DeadLetter, "received_at") == [kept["dead_letters"]]
        assert rows(session, BookingDecision, "decided_at") == [kept["checkin_trail"]]
        assert rows(session, Notification, "created_at") == [kept["notifications"]]
        assert rows(session, ReportRun, "created_at") == [kept["reports"]]
        assert len(rows(session, ReportFileRow, "name")) == 1
        assert rows(session, AuditEntry, "at") == [kept["audit_log"]]
        assert sorted(rows(session, SensorEvent, "ts")) == [
            cutoff("sensor_events") - timedelta(days=5, minutes=1),
            cutoff("sensor_events") - timedelta(minutes=1),
            kept["sensor_events"],
        ]
        assert rows(session, IngestedMessage, "seq") == [3, 5]  # 5 is not acknowledged yet
        assert rows(session, GivenUpRange, "id") == []
        # Aurora keeps the change that carries its state into the retained history.
        expired = cutoff("occupancy") - timedelta(minutes=1)
        aurora = session.execute(
            select(OccupancyChange.ts, OccupancyChange.occupied)
            .where(OccupancyChange.space_id == ROOM)
            .order_by(OccupancyChange.ts)
        ).all()
        assert [tuple(r) for r in aurora] == [(expired, False), (kept["occupancy"], True)]
        assert len(rows(session, OccupancyChange, "id")) == 3  # Borealis's only one stays
        assert rows(session, DeviceStatusChange, "at") == [expired, kept["occupancy"]]


def test_meetings_expire_in_two_steps_through_the_deletion_entry_point(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    deleted: list[str] = []
    real = retention_meetings.delete_meeting

    def spy(session: Session, meeting: MinutesSession, by: str, now: Any) -> MeetingDeletion:
        deleted.append(meeting.session_id)
        return real(session, meeting, by, now)

    monkeypatch.setattr(retention_meetings, "delete_meeting", spy)
    run_locked(factory, FakeClock(NOW), defaults())

    assert deleted == ["m-old"]
    with factory() as session:
        assert sorted(set(rows(session, TranscriptSegment, "session_id"))) == ["m-new"]
        assert sorted(rows(session, MeetingMinutes, "session_id")) == ["m-new", "m-year"]
        assert sorted(rows(session, ActionItem, "session_id")) == ["m-new", "m-year"]
        (tombstone,) = session.scalars(select(MeetingDeletion)).all()
        assert (tombstone.session_id, tombstone.deleted_by) == ("m-old", "retention")
        assert tombstone.deleted_at == NOW and tombstone.terminal_deleted_at is None
        # The skeleton stays, without its title; the kept meetings' text still opens.
        old = session.scalars(
            select(MinutesSession).where(MinutesSession.session_id == "m-old")
        ).one()
        assert old.title is None
        year = session.scalars(select(ActionItem).where(ActionItem.session_id == "m-year")).one()
        assert year.task == "write the report"


def test_a_second_run_finds_nothing_and_a_dry_run_deletes_nothing(
    factory: sessionmaker[Session],
) -> None:
    dry = run_locked(factory, FakeClock(NOW), defaults(), dry_run=True)
    assert dry.dry_run and dry.total == 17
    with factory() as session:
        assert len(rows(session, TranscriptSegment, "id")) == 6
        assert rows(session, MeetingDeletion, "id") == []
        assert rows(session, RetentionRun, "id") == []  # a dry run leaves no log row

    first = run_locked(factory, FakeClock(NOW), defaults())
    assert first.counts() == dry.counts()
    again = run_locked(factory, FakeClock(NOW), defaults())
    assert again.total == 0
    with factory() as session:
        logged = session.scalars(select(RetentionRun).order_by(RetentionRun.id)).all()
    assert [r.counts["minutes"] for r in logged] == [1, 0]
    assert logged[0].occupancy_purged_before == cutoff("occupancy")
    assert logged[1].occupancy_purged_before is None  # nothing deleted the second time


def test_zero_days_keeps_a_kind_for_ever(factory: sessionmaker[Session]) -> None:
    periods = {**defaults(), "minutes": 0, "voice_commands": 0}
    report = run_locked(factory, FakeClock(NOW), periods)
    by_name = {c.name: c for c in report.classes}
    assert (by_name["minutes"].expired, by_name["minutes"].cutoff) == (None, None)
    assert report.as_json()["classes"]["voice_commands"] == {
        "keep_days": None,
        "cutoff": None,
        "expired": None,
    }
    with factory() as session:
        assert len(rows(session, VoiceCommand, "id")) == 2
        assert sorted(rows(session, MeetingMinutes, "session_id")) == ["m-new", "m-old", "m-year"]
        # Its transcript still expires: that is a kind of its own.
        assert sorted(set(rows(session, TranscriptSegment, "session_id"))) == ["m-new"]
