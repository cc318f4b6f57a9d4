"""Gauges read from the database at scrape time: the same answer from every hub worker.

What the hub *is* (terminals online, their spools, dead letters kept, open gaps, the outbox)
lives in the database, so any worker can tell it, and several workers agree; aggregate them
with ``max()``, not ``sum()`` (docs/metrics.md). Each scrape costs a handful of small
queries: the devices table, grouped counts over indexed columns, no scan of the ledger.
"""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.checkin.rules import RELEASED
from hub.db.alert_models import Alert
from hub.db.minutes_models import ActionItemDelivery
from hub.db.models import BookingOccurrence, DeadLetter, Device, IngestStream, Notification
from hub.ingest.devices import read_spool_fill


class DatabaseCollector(Collector):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._session_factory() as session:
            yield from _devices(session)
            yield from _ingest_backlog(session)
            yield from _outbox(session)


def _devices(session: Session) -> Iterator[GaugeMetricFamily]:
    online = GaugeMetricFamily(
        "quorum_device_online",
        "1 while the terminal's last status says online, else 0.",
        labels=["device", "room"],
    )
    pending = GaugeMetricFamily(
        "quorum_device_spool_pending_messages",
        "Messages in the terminal's spool waiting for the hub's confirmation (last heartbeat).",
        labels=["device"],
    )
    spool_bytes = GaugeMetricFamily(
        "quorum_device_spool_bytes",
        "Size of the payloads in the terminal's spool (last heartbeat).",
        labels=["device"],
        unit="bytes",
    )
    used = GaugeMetricFamily(
        "quorum_device_spool_used_ratio",
        "The fuller of pending/max_messages and bytes/max_bytes (1 = at a bound).",
        labels=["device"],
    )
    counts = {True: 0, False: 0}
    for device_id, room_id, is_online, fill in session.execute(
        select(Device.id, Device.room_id, Device.online, Device.spool_fill).order_by(Device.id)
    ):
        counts[bool(is_online)] += 1
        online.add_metric([device_id, room_id], 1.0 if is_online else 0.0)
        reported = read_spool_fill(fill)
        if reported is not None:
            spool, _ = reported
            pending.add_metric([device_id], spool.pending)
            spool_bytes.add_metric([device_id], spool.bytes)
            used.add_metric([device_id], spool.used)
    devices = GaugeMetricFamily(
        "quorum_devices", "Registered terminals by their last status.", labels=["state"]
    )
    devices.add_metric(["online"], counts[True])
    devices.add_metric(["offline"], counts[False])
    yield from (devices, online, pending, spool_bytes, used)


def _ingest_backlog(session: Session) -> Iterator[GaugeMetricFamily]:
    kept = GaugeMetricFamily(
        "quorum_dead_letters_kept",
        "Dead letters in the database now, by reason (all workers; retention may prune).",
        labels=["reason"],
    )
    for reason, count in session.execute(
        select(DeadLetter.reason, func.count()).group_by(DeadLetter.reason)
    ):
        kept.add_metric([reason], count)
    gaps, missing = session.execute(
        select(
            func.count(IngestStream.gap_since),
            func.coalesce(func.sum(IngestStream.highest_seq - IngestStream.through_seq), 0),
        )
    ).one()
    yield kept
    yield GaugeMetricFamily(
        "quorum_ingest_streams_with_gaps",
        "Terminal boots with messages missing below ones already stored.",
        value=int(gaps),
    )
    yield GaugeMetricFamily(
        "quorum_ingest_messages_missing",
        "Sequence numbers between those boots' watermarks and the highest stored.",
        value=int(missing),
    )


def _outbox(session: Session) -> Iterator[GaugeMetricFamily]:
    yield GaugeMetricFamily(
        "quorum_notifications_pending",
        "Notices to people not yet delivered to their webhook (the outbox).",
        value=_count(session, Notification.webhook_done_at.is_(None)),
    )
    yield GaugeMetricFamily(
        "quorum_action_item_deliveries_pending",
        "Action items waiting to be delivered to their owners.",
        value=_count(session, ActionItemDelivery.state == "pending"),
    )
    releases = GaugeMetricFamily(
        "quorum_booking_releases",
        "Booking occurrences released (no_show, abandoned, manual) in the database.",
        labels=["reason"],
    )
    for reason, count in session.execute(
        select(BookingOccurrence.release_reason, func.count())
        .where(BookingOccurrence.state == RELEASED)
        .group_by(BookingOccurrence.release_reason)
    ):
        releases.add_metric([reason or "unknown"], count)
    yield releases
    alerts = GaugeMetricFamily("quorum_alerts_open", "Open alerts, by rule.", labels=["rule"])
    for rule, count in session.execute(
        select(Alert.rule, func.count()).where(Alert.resolved_at.is_(None)).group_by(Alert.rule)
    ):
        alerts.add_metric([rule], count)
    yield alerts


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).where(condition)) or 0)
