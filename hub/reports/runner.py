"""Scheduled reports: a thread of the hub that builds each finished period's reports.

Every ``tick_s`` seconds (the first look one tick after start) it asks :func:`plan` which
reports are missing at the clock's ``now`` — yesterday's daily, last week's weekly (due
on Mondays), last month's monthly (due on the 1st), each ``settle`` after local midnight in
the reports' time zone, for every audience (hub.reports.store.audiences) — brings the
analytics rollups up to ``now``, then builds, stores and announces them. Runs older than
``keep`` are deleted. With several hub workers on PostgreSQL an advisory lock lets one of
them build at a time, and a unique key per (period, first day, audience) keeps one copy.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from hub.analytics.rollups import refresh_rollups
from hub.checkin.runner import LOOP_LOCK_KEY
from hub.db.models import Room
from hub.loops import Loop, take_loop_lock
from hub.reports.build import build_report
from hub.reports.periods import Span, due_spans
from hub.reports.scope import Audience
from hub.reports.store import audiences, existing, forget_old, save_run
from hub.settings import Settings

log = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key of the reports runner ("QREPT" in ASCII).
REPORTS_LOCK_KEY = 0x5152455054


@dataclass(frozen=True, slots=True)
class Due:
    span: Span
    audience: Audience


def plan(
    now: dt.datetime,
    zone: ZoneInfo,
    settle: dt.timedelta,
    wanted: list[Audience],
    have: dict[Span, set[str]],
) -> list[Due]:
    """The reports to build at ``now``: each finished period's, for each audience without one."""
    return [
        Due(span, audience)
        for span in due_spans(now, zone, settle)
        for audience in wanted
        if audience.key not in have.get(span, set())
    ]


def reports_zone(session: Session, configured: str) -> ZoneInfo:
    """The configured zone, or else the one most rooms are in (UTC without rooms)."""
    name = configured
    if not name:
        zones = Counter(session.scalars(select(Room.timezone)))
        name = min(zones, key=lambda z: (-zones[z], z)) if zones else "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone for reports: {name!r}") from error


class ReportsRunner:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        clock: Clock,
        tick_s: float,
        settle: dt.timedelta,
        keep: dt.timedelta,
        timezone: str = "",
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._settle = settle
        self._keep = keep
        self._timezone = timezone
        # The first look one tick after start: a hub that lives for seconds builds nothing.
        self._loop = Loop("reports", self._round, tick_s, wait_first=True)

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def tick(self) -> list[int]:
        """One look: build what is due; the ids of the runs stored."""
        now = self._clock.now()
        with self._session_factory() as session:
            zone = reports_zone(session, self._timezone)
            wanted = audiences(session)
            spans = due_spans(now, zone, self._settle)
            todo = plan(now, zone, self._settle, wanted, {s: existing(session, s) for s in spans})
        if not todo:
            return []
        with self._session_factory() as session, session.begin():
            # Figures up to now (the bookings loop refreshes too, but it may be turned off).
            if take_loop_lock(session, LOOP_LOCK_KEY):
                refresh_rollups(session, now)
        made: list[int] = []
        with self._session_factory() as session, session.begin():
            if not take_loop_lock(session, REPORTS_LOCK_KEY):
                return []  # another worker is building them
            for due in todo:
                if due.audience.key in existing(session, due.span):
                    continue
                built = build_report(
                    session,
                    period=due.span.period,
                    day=due.span.first,
                    audience=due.audience,
                    now=now,
                )
                made.append(save_run(session, built, now=now).id)
                log.info("report %s %s for %s built", due.span.period, due.span.label,
                         due.audience.key)  # fmt: skip
            forget_old(session, now, self._keep)
        return made

    def _round(self) -> None:
        self.tick()


def reports_runner(
    settings: Settings, session_factory: sessionmaker[Session], clock: Clock
) -> ReportsRunner | None:
    """The runner, or None when turned off (``QUORUM_REPORTS_ENABLED=false``)."""
    if not settings.reports_enabled:
        return None
    return ReportsRunner(
        session_factory=session_factory,
        clock=clock,
        tick_s=settings.reports_tick_s,
        settle=dt.timedelta(minutes=settings.reports_settle_min),
        keep=dt.timedelta(days=settings.reports_keep_days),
        timezone=settings.reports_timezone,
    )
