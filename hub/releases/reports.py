"""What terminals' ``update`` reports do to their rollout (called by ingest).

A report moves the terminal's row forward only: ``accepted`` and ``installed`` never undo a
later step, and an outcome (``healthy``, ``failed``, ``rolled_back``) is final, except that
it replaces ``timed_out`` (a late answer is still the truth). ``failed`` with reason
``updates_off`` is recorded as ``skipped``: that terminal does not take updates, which is
no reason to stop the others. A failure or rollback halts the rollout at once, in the same
transaction, so no further terminal is sent the release.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from contract.messages import Message
from contract.update_data import UpdateReportData
from hub.db.release_models import Rollout, RolloutDevice
from hub.releases.plan import ACTIVE, REPORT_ORDER, halt_reason
from hub.releases.rollouts import device_rows, target_of

log = logging.getLogger(__name__)

#: States a report may still change (everything else is an outcome already).
OPEN = frozenset(REPORT_ORDER) | {"timed_out"}


@dataclass
class UpdateBook:
    """The update reports of one ingest batch, applied by :meth:`write`."""

    reports: list[tuple[str, UpdateReportData, datetime]] = field(default_factory=list)

    def add(self, message: Message) -> None:
        if isinstance(message.data, UpdateReportData):
            self.reports.append((message.envelope.device, message.data, message.envelope.ts))

    def write(self, session: Session, now: datetime) -> None:
        for device_id, report, ts in self.reports:
            apply_report(session, device_id, report, ts, now)


def apply_report(
    session: Session, device_id: str, report: UpdateReportData, ts: datetime, now: datetime
) -> bool:
    """Apply one report; False if it changed nothing (no such rollout, stale, repeated)."""
    if report.rollout is None:
        return False  # an update started by hand on the terminal: its status says the version
    row = session.get(RolloutDevice, (report.rollout, device_id))
    rollout = session.get(Rollout, report.rollout)
    if row is None or rollout is None or rollout.version != report.version:
        return False
    state = "skipped" if report.reason == "updates_off" else report.state
    if row.state not in OPEN:
        return False
    if state in REPORT_ORDER and REPORT_ORDER[state] <= REPORT_ORDER.get(row.state, 99):
        return False
    row.state, row.reason, row.detail = state, report.reason, report.detail
    row.reported_at = ts
    if report.from_version is not None:
        row.from_version = report.from_version
    if state not in ("sent", "accepted"):
        row.token_hash = row.token_expires_at = None  # nothing more to download
    session.flush()
    if state in ("failed", "rolled_back") and rollout.state in ACTIVE:
        rows = device_rows(session, rollout.id)
        targets = [target_of(r, d) for r, d in rows]
        states = {t.device_id: t.state for t in targets}
        reason = halt_reason(targets, states, rollout.failures_accepted)
        if reason is not None:
            log.warning("rollout %d of %s halted: %s", rollout.id, rollout.version, reason)
            rollout.state, rollout.halted_reason, rollout.updated_at = "halted", reason, now
    return True
