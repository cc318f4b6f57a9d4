"""One retention run: every kind of data whose period has passed, deleted in one transaction.

:func:`run_retention` is what the hub's loop (hub/retention/runner.py) and ``python -m hub
retention run`` call. It takes ``now`` from the caller (the hub's clock), so tests move a
fake clock instead of waiting. The caller commits (or, for a dry run, rolls back) and then
calls :func:`after_commit`, which makes SQLite drop the deleted text from its WAL.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.retention_models import RetentionRun
from hub.minutes.deletion import wipe_old_pages
from hub.retention.classes import CLASSES
from hub.settings import Settings

#: Data class name -> days kept (0: for ever).
Periods = Mapping[str, int]


def periods_from(settings: Settings) -> dict[str, int]:
    return {c.name: int(getattr(settings, c.setting)) for c in CLASSES}


@dataclass(frozen=True)
class ClassResult:
    name: str
    keep_days: int  # 0: kept for ever
    cutoff: datetime | None  # None: kept for ever
    expired: int | None  # rows deleted (meetings, for minutes); None: kept for ever

    def as_json(self) -> dict[str, Any]:
        return {
            "keep_days": self.keep_days or None,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "expired": self.expired,
        }


@dataclass(frozen=True)
class RetentionReport:
    now: datetime
    dry_run: bool
    classes: list[ClassResult] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.expired or 0 for c in self.classes)

    def counts(self) -> dict[str, int | None]:
        return {c.name: c.expired for c in self.classes}

    def as_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "total_expired": self.total,
            "classes": {c.name: c.as_json() for c in self.classes},
        }


def run_retention(
    session: Session, now: datetime, periods: Periods, *, dry_run: bool = False
) -> RetentionReport:
    """Delete (dry run: count) what has expired at ``now``; the caller commits."""
    if now.tzinfo is None:
        raise ValueError("retention needs an aware now")
    results = []
    for data_class in CLASSES:
        days = int(periods.get(data_class.name, 0))
        if days <= 0:
            results.append(ClassResult(data_class.name, 0, None, None))
            continue
        cutoff = now - timedelta(days=days)
        expired = data_class.expire(session, cutoff, now, dry_run)
        results.append(ClassResult(data_class.name, days, cutoff, expired))
    report = RetentionReport(now, dry_run, results)
    if not dry_run:
        session.add(_log_row(report))
        session.flush()
    return report


def _log_row(report: RetentionReport) -> RetentionRun:
    occupancy = next(c for c in report.classes if c.name == "occupancy")
    purged = occupancy.cutoff if occupancy.expired else None
    return RetentionRun(
        ran_at=report.now,
        cutoffs={c.name: c.cutoff.isoformat() if c.cutoff else None for c in report.classes},
        counts=report.counts(),
        occupancy_purged_before=purged,
    )


def after_commit(session: Session, report: RetentionReport) -> None:
    """After the commit of a run that deleted meeting text: SQLite's WAL forgets it too."""
    if not report.dry_run and report.total:
        wipe_old_pages(session)


def last_run(session: Session) -> datetime | None:
    return session.scalar(select(func.max(RetentionRun.ran_at)))
