"""Built reports kept in the database (``report_runs`` and ``report_files``), and the
"report ready" notices queued in the hub's outbox for the people of each audience.

A notice is a row of ``notifications`` (kind ``report_ready``) for every active admin (the
``all`` audience) or facilities user (their department's audience); the bookings loop
delivers it by MQTT and webhook with retries, like every other notice (hub/checkin/notify.py).
"""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from hub.auth.roles import Role
from hub.db.models import Department, Notification, User
from hub.db.report_models import ReportFileRow, ReportRun
from hub.reports.build import BuiltReport
from hub.reports.periods import Span
from hub.reports.scope import ALL, SHARED, Audience

NOTICE_KIND = "report_ready"
API_PATH = "/api/v1/reports"


def file_url(run_id: int, name: str) -> str:
    return f"{API_PATH}/runs/{run_id}/{name}"


def audiences(session: Session) -> list[Audience]:
    """Who scheduled reports are built for: admins always, and each department (or none:
    shared spaces only) that has an active facilities user to read them."""
    found = [Audience(ALL)]
    departments = set(
        session.scalars(
            select(User.department_id)
            .where(User.role == Role.FACILITIES.value, User.active.is_(True))
            .distinct()
        )
    )
    if None in departments:
        found.append(Audience(SHARED))
    known = set(session.scalars(select(Department.id)))
    found += [Audience(f"department:{d}") for d in sorted(d for d in departments if d in known)]
    return found


def recipients(session: Session, audience: Audience) -> list[str]:
    if audience.key == ALL:
        query = select(User.id).where(User.role == Role.ADMIN.value)
    else:
        department = audience.department_id
        same = (
            User.department_id.is_(None) if department is None else User.department_id == department
        )
        query = select(User.id).where(User.role == Role.FACILITIES.value, same)
    return sorted(session.scalars(query.where(User.active.is_(True))))


def existing(session: Session, span: Span) -> set[str]:
    """Audiences that already have this period's report."""
    return set(
        session.scalars(
            select(ReportRun.audience).where(
                ReportRun.period == span.period, ReportRun.first_day == span.first
            )
        )
    )


def save_run(
    session: Session, built: BuiltReport, *, now: dt.datetime, notify: bool = True
) -> ReportRun:
    """Store a built report (the caller commits) and queue its notices."""
    data = built.data
    run = ReportRun(
        period=data.span.period,
        first_day=data.span.first,
        last_day=data.span.last,
        audience=data.audience.key,
        created_at=now,
        as_of=data.as_of,
    )
    run.files = [
        ReportFileRow(
            name=f.name, content_type=f.content_type, size=len(f.content), content=f.content
        )
        for f in built.files()
    ]
    session.add(run)
    session.flush()  # the run's id, for the links in its notices
    if notify:
        for user_id in recipients(session, data.audience):
            session.add(_notice(run, built.title, user_id, now))
    return run


def _notice(run: ReportRun, title: str, user_id: str, now: dt.datetime) -> Notification:
    payload = {
        "kind": NOTICE_KIND,
        "run_id": run.id,
        "title": title,
        "period": run.period,
        "first_date": run.first_day.isoformat(),
        "last_date": (run.last_day - dt.timedelta(days=1)).isoformat(),
        "files": {f.name: file_url(run.id, f.name) for f in run.files},
        "decided_at": now.isoformat(),
    }
    return Notification(
        created_at=now,
        user_id=user_id,
        kind=NOTICE_KIND,
        booking_id=None,
        payload=payload,
        attempts=0,
        next_attempt_at=now,
    )


def list_runs(
    session: Session,
    *,
    audience_keys: Sequence[str] | None,
    period: str | None,
    limit: int,
    offset: int,
) -> list[ReportRun]:
    """Newest first; ``audience_keys`` None: every audience (an admin)."""
    query = select(ReportRun).options(selectinload(ReportRun.files).load_only(
        ReportFileRow.name, ReportFileRow.content_type, ReportFileRow.size))  # fmt: skip
    if audience_keys is not None:
        query = query.where(ReportRun.audience.in_(audience_keys))
    if period is not None:
        query = query.where(ReportRun.period == period)
    query = query.order_by(ReportRun.first_day.desc(), ReportRun.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_file(
    session: Session, run_id: int, name: str, audience_keys: Sequence[str] | None
) -> ReportFileRow | None:
    query = (
        select(ReportFileRow)
        .join(ReportRun, ReportRun.id == ReportFileRow.run_id)
        .where(ReportFileRow.run_id == run_id, ReportFileRow.name == name)
    )
    if audience_keys is not None:
        query = query.where(ReportRun.audience.in_(audience_keys))
    return session.scalar(query)


def forget_old(session: Session, now: dt.datetime, keep: dt.timedelta) -> int:
    """Delete runs made more than ``keep`` ago (their files go with them)."""
    old = list(session.scalars(select(ReportRun.id).where(ReportRun.created_at < now - keep)))
    if old:
        session.execute(delete(ReportFileRow).where(ReportFileRow.run_id.in_(old)))
        session.execute(delete(ReportRun).where(ReportRun.id.in_(old)))
    return len(old)
