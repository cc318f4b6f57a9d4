"""The bookings loop's tick: decisions, then housekeeping jobs at their own pace."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from checkin_builders import add_booking, add_change
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import FakeClock
from hub.checkin.policy import CheckInPolicy
from hub.checkin.runner import BookingsRunner
from hub.db.engine import make_engine, make_session_factory
from hub.db.models import BookingOccurrence, User
from hub.live import LiveFeed

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def factory(fresh_database: Any) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(fresh_database("sqlite", "org"))
    yield make_session_factory(engine)
    engine.dispose()


def test_a_tick_decides_then_runs_due_jobs_and_survives_a_failing_one(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        session.add(User(id="ana", display_name="Ana", role="member", created_at=START))
        session.commit()
        add_change(session, START - timedelta(hours=1), False)
        add_booking(
            session,
            START,
            START + timedelta(hours=1),
            organizer="ana",
            space=("room", "hq-f1-aurora"),
            created=START,
        )
    calls: list[datetime] = []

    def counting(session: Session, now: datetime) -> None:
        calls.append(now)

    def failing(session: Session, now: datetime) -> None:
        raise RuntimeError("a bug in a job")

    clock = FakeClock(START + timedelta(minutes=5))
    feed = LiveFeed()
    runner = BookingsRunner(
        session_factory=factory,
        clock=clock,
        policy=CheckInPolicy(),
        live=feed,
        publish=None,
        post=lambda url, body, headers: 204,
        jobs=[(failing, timedelta(minutes=1)), (counting, timedelta(minutes=10))],
    )
    # The next deadline is the end of the grace period: the loop wakes then, not later.
    assert runner.tick() == START + timedelta(minutes=10)
    clock.advance(300)  # 09:10: the grace period is over
    assert runner.tick() is None
    with factory() as session:
        assert session.scalars(select(BookingOccurrence.state)).one() == "released"
    clock.advance(300)
    runner.tick()
    assert calls == [START + timedelta(minutes=5), START + timedelta(minutes=15)]
