"""What terminals answered to pushed configurations (``config`` messages), as ingest stores
them: the newest answer per terminal, by the terminal's event time, so a spool replaying old
answers after an outage never hides a newer one."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from contract.config_push import ConfigReportData
from hub.db.config_models import DeviceConfig

#: (device id, event time, hub receipt time, the answer)
Report = tuple[str, datetime, datetime, ConfigReportData]


def record_reports(session: Session, reports: Iterable[Report]) -> None:
    """Keep each terminal's newest answer (flushed, not committed: ingest's transaction)."""
    for device_id, at, received_at, data in reports:
        row = session.get(DeviceConfig, device_id)
        if row is None:  # answered a push of another hub database, or before a sync here
            row = DeviceConfig(device_id=device_id, push_count=0)
            session.add(row)
        elif row.reported_at is not None and row.reported_at > at:
            continue
        row.reported_version = data.version
        row.outcome = data.outcome
        row.reason = data.reason
        row.detail = data.detail.replace("\x00", "\\x00") if data.detail else None
        row.running_version = data.running_version
        row.reported_at = at
        row.report_received_at = received_at
    session.flush()
