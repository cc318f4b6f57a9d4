"""The kinds of data the hub keeps for a limited time, and how each one expires.

One :class:`DataClass` per kind: its name (in settings, the CLI's output and the log), the
setting that holds its period in days (0: kept for ever), what it covers, and the function
that deletes (or, in a dry run, counts) what is older than the cutoff. The defaults and why
they were chosen are in docs/security.md, "Retention, k-anonymity and hardening".

Not here, kept on purpose: the analytics rollups (figures per space and day, nothing about
anyone), bookings and their occurrences (the calendar; the rollups' "gone occurrence" rule
would recompute their days from raw rows that are gone), alerts (about devices and rooms),
users and the organisation.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.audit_models import AuditEntry
from hub.db.models import (
    BookingDecision,
    DeadLetter,
    DeviceStatusChange,
    Notification,
    OccupancyChange,
    SensorEvent,
)
from hub.db.report_models import ReportRun
from hub.db.voice_models import VoiceCommand
from hub.reports.store import forget_old
from hub.retention import meetings
from hub.retention.expire import ingest_log, older_but_newest, older_than

#: (session, cutoff, now, dry_run) -> rows (meetings, for ``minutes``) deleted or to delete.
Expire = Callable[[Session, datetime, datetime, bool], int]


@dataclass(frozen=True)
class DataClass:
    name: str
    setting: str  # the Settings field with its period in days
    covers: str
    expire: Expire


def _occupancy(session: Session, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    changes = older_but_newest(
        session, OccupancyChange, "ts", ("space_kind", "space_id"), cutoff, dry_run
    )
    status = older_but_newest(session, DeviceStatusChange, "at", ("device_id",), cutoff, dry_run)
    return changes + status


def _reports(session: Session, cutoff: datetime, now: datetime, dry_run: bool) -> int:
    if dry_run:
        query = select(func.count()).select_from(ReportRun).where(ReportRun.created_at < cutoff)
        return int(session.scalar(query) or 0)
    return forget_old(session, now, now - cutoff)


def _simple(model: object, column: str) -> Expire:
    def expire(session: Session, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        return older_than(session, model, column, cutoff, dry_run)

    return expire


#: In the order a run goes through them: transcripts before the meetings they belong to.
CLASSES: tuple[DataClass, ...] = (
    DataClass(
        "transcripts",
        "retention_transcripts_days",
        "transcript segments of meetings that ended before the cutoff",
        lambda s, cutoff, now, dry: meetings.transcripts(s, cutoff, dry),
    ),
    DataClass(
        "minutes",
        "retention_minutes_days",
        "whole meetings (minutes, action items, deliveries, key) that ended before the cutoff",
        meetings.meetings,
    ),
    DataClass(
        "voice_commands",
        "retention_voice_commands_days",
        "voice commands (what was heard, and what the hub did)",
        _simple(VoiceCommand, "said_at"),
    ),
    DataClass(
        "sensor_events",
        "retention_sensor_events_days",
        "raw sensor transitions (motion, doors), but each sensor's newest one",
        lambda s, cutoff, now, dry: older_but_newest(
            s, SensorEvent, "ts", ("device_id", "sensor_id"), cutoff, dry
        ),
    ),
    DataClass(
        "ingest_log",
        "retention_ingest_log_days",
        "the ingest ledger and given-up ranges, once acknowledged to the terminal",
        lambda s, cutoff, now, dry: ingest_log(s, cutoff, dry),
    ),
    DataClass(
        "dead_letters",
        "retention_dead_letters_days",
        "messages the hub could not use, kept whole",
        _simple(DeadLetter, "received_at"),
    ),
    DataClass(
        "occupancy",
        "retention_occupancy_days",
        "occupancy and terminal online/offline changes, but each space's and terminal's newest",
        _occupancy,
    ),
    DataClass(
        "checkin_trail",
        "retention_checkin_trail_days",
        "the decisions on bookings (check-in, release, kept) with their evidence",
        _simple(BookingDecision, "decided_at"),
    ),
    DataClass(
        "notifications",
        "retention_notifications_days",
        "the outbox of notices to people (booking released, report ready, ...)",
        _simple(Notification, "created_at"),
    ),
    DataClass(
        "reports",
        "reports_keep_days",
        "built reports (HTML, CSV, charts)",
        _reports,
    ),
    DataClass(
        "audit_log",
        "retention_audit_log_days",
        "the audit log of administrative actions",
        _simple(AuditEntry, "at"),
    ),
)

BY_NAME = {c.name: c for c in CLASSES}
