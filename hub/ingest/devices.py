"""Device liveness: last seen, boot, and online/offline from the retained status topic.

Status messages (seq 0) are latest-wins state outside the ledger. Two rules
keep them honest:
- transitions are stamped with the hub's receipt time: a Last Will's envelope
  ``ts`` was composed when the terminal connected, so it is stale by design;
- a status from an older boot never overrides a newer boot (the late Last
  Will of a killed process must not mark its restarted successor offline).
  Boot ids start with their UTC start time to the second
  (contract.envelope.new_boot_id), and that prefix orders them. Two boots in
  the same second cannot be ordered (the rest is random), so between them the
  order of arrival decides: a crashed process's will fires when its socket
  closes, before its successor can connect.
Re-delivered retained status (after the hub reconnects) changes nothing, not
even ``last_seen_at``: it replays old news (possibly the will of a terminal
that died days ago).

A heartbeat's spool fill is kept if it is the device's newest by event time: a spool
replaying after an outage sends its old heartbeats first, and they must not hide a newer one.

Rows are plain objects read and written with Core statements: ingest touches
every sending device in every batch, and the ORM's per-attribute bookkeeping
was a measurable share of the writer's time.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, insert, or_, select, update
from sqlalchemy.orm import Session

from contract.messages import SpoolFill, StatusData
from hub.db.models import Device, DeviceStatusChange
from hub.ingest.org import chunked

_DEVICES = cast(Table, Device.__table__)
_STATUS_CHANGES = cast(Table, DeviceStatusChange.__table__)
# The columns ingest owns; the rest (room) belongs to the organisation import.
_LIVENESS = (
    "online",
    "last_seen_at",
    "status_changed_at",
    "boot",
    "software_version",
    "config_version",
    "last_event_ts",
)


def _param(column: str) -> Any:
    # Typed, so datetimes get the UtcDateTime conversion wherever the parameter appears.
    return bindparam(f"b_{column}", type_=_DEVICES.c[column].type)


_STATUS_WRITE = (
    update(_DEVICES)
    .where(_DEVICES.c.id == _param("id"))
    .values({name: _param(name) for name in _LIVENESS})
)
# Most batches only show a device is alive. Writing just those two columns, and never
# backwards, keeps a concurrent writer's status change (another hub worker) intact.
_SEEN_WRITE = (
    update(_DEVICES)
    .where(_DEVICES.c.id == _param("id"))
    .values(
        last_seen_at=case(
            (
                or_(
                    _DEVICES.c.last_seen_at.is_(None),
                    _DEVICES.c.last_seen_at < _param("last_seen_at"),
                ),
                _param("last_seen_at"),
            ),
            else_=_DEVICES.c.last_seen_at,
        ),
        boot=case(
            (or_(_DEVICES.c.boot.is_(None), _DEVICES.c.boot < _param("boot")), _param("boot")),
            else_=_DEVICES.c.boot,
        ),
        last_event_ts=case(
            (
                or_(
                    _DEVICES.c.last_event_ts.is_(None),
                    _DEVICES.c.last_event_ts < _param("last_event_ts"),
                ),
                _param("last_event_ts"),
            ),
            else_=_DEVICES.c.last_event_ts,
        ),
    )
)

# Only heartbeats write it, under the row lock of load_devices: the newest-wins check is done
# in Python (note_spool_fill).
_SPOOL_WRITE = (
    update(_DEVICES).where(_DEVICES.c.id == _param("id")).values(spool_fill=_param("spool_fill"))
)


@dataclass(slots=True)
class DeviceRow:
    id: str
    room_id: str
    online: bool
    last_seen_at: datetime | None
    status_changed_at: datetime | None
    boot: str | None
    software_version: str | None
    config_version: str | None
    last_event_ts: datetime | None = None
    spool_fill: dict[str, Any] | None = None  # as stored: SpoolFill's fields and "at"
    revoked_at: datetime | None = None  # its broker credentials were revoked (hub/devices)
    spool_changed: bool = field(default=False, compare=False)
    seen: bool = field(default=False, compare=False)  # last_seen_at or boot moved
    status_changed: bool = field(default=False, compare=False)  # any other liveness column


def load_devices(
    session: Session, ids: Iterable[str], *, lock: bool = False
) -> dict[str, DeviceRow]:
    """The rows of ``ids`` that exist.

    ``lock``: ``SELECT ... FOR UPDATE`` (PostgreSQL; SQLite has one writer anyway), so two
    hub workers never apply messages of one device at the same time: the second waits for
    the first one's commit and then reads its result. Rows are locked in id order, as
    everything else a batch locks afterwards (space states, streams) is in key order: two
    batches never wait for each other in a cycle.
    """
    devices: dict[str, DeviceRow] = {}
    columns = [
        _DEVICES.c.id,
        _DEVICES.c.room_id,
        *(_DEVICES.c[name] for name in _LIVENESS),
        _DEVICES.c.spool_fill,
        _DEVICES.c.revoked_at,
    ]
    for chunk in chunked(set(ids)):
        query = select(*columns).where(_DEVICES.c.id.in_(chunk)).order_by(_DEVICES.c.id)
        if lock:
            query = query.with_for_update()
        for row in session.execute(query):
            devices[row.id] = DeviceRow(
                id=row.id,
                room_id=row.room_id,
                online=bool(row.online),
                last_seen_at=row.last_seen_at,
                status_changed_at=row.status_changed_at,
                boot=row.boot,
                software_version=row.software_version,
                config_version=row.config_version,
                last_event_ts=row.last_event_ts,
                spool_fill=row.spool_fill,
                revoked_at=row.revoked_at,
            )
    return devices


def note_seen(
    device: DeviceRow, received_at: datetime, boot: str, ts: datetime | None = None
) -> None:
    """Any accepted message proves the device alive and may reveal a newer boot; its event
    time ``ts`` (sequenced messages) shows how far the device's reports reach."""
    if device.last_seen_at is None or received_at > device.last_seen_at:
        device.last_seen_at, device.seen = received_at, True
    if ts is not None and (device.last_event_ts is None or ts > device.last_event_ts):
        device.last_event_ts, device.seen = ts, True
    note_boot(device, boot)


def note_boot(device: DeviceRow, boot: str) -> None:
    if device.boot is None or boot_order(boot) > boot_order(device.boot):
        device.boot, device.seen = boot, True


def note_spool_fill(device: DeviceRow, fill: SpoolFill, ts: datetime) -> None:
    """Keep a heartbeat's spool fill (event time ``ts``) unless a newer one is kept."""
    kept = read_spool_fill(device.spool_fill)
    if kept is not None and ts <= kept[1]:
        return
    device.spool_fill = {**fill.model_dump(mode="json"), "at": ts.isoformat()}
    device.spool_changed = True


def read_spool_fill(stored: dict[str, Any] | None) -> tuple[SpoolFill, datetime] | None:
    """A ``devices.spool_fill`` value: the fill and its heartbeat's event time, or None if
    there is none or it cannot be read (then the next heartbeat replaces it)."""
    if stored is None:
        return None
    try:
        fill, at = SpoolFill.model_validate(stored), datetime.fromisoformat(stored["at"])
    except (KeyError, TypeError, ValueError):  # pydantic's ValidationError is a ValueError
        return None
    return (fill, at) if at.tzinfo is not None else None


_BOOT_TIME = re.compile(r"\d{8}T\d{6}")


def boot_order(boot: str) -> str:
    """What orders boots: the start time new_boot_id puts first, else the whole id."""
    match = _BOOT_TIME.match(boot)
    return match.group() if match else boot


@dataclass(frozen=True)
class StatusOutcome:
    applied: bool  # False: superseded by a newer boot, nothing changed
    change: dict[str, Any] | None = None  # a device_status_changes row to insert
    event: dict[str, Any] | None = None


def apply_status(
    device: DeviceRow, boot: str, data: StatusData, received_at: datetime, *, retained: bool
) -> StatusOutcome:
    current = device.boot
    if current is not None and boot_order(boot) < boot_order(current):
        return StatusOutcome(applied=False)
    if current is not None and boot != current and boot_order(boot) == boot_order(current):
        device.boot, device.status_changed = boot, True  # same second: arrival order decides
    if retained:
        note_boot(device, boot)
    else:
        note_seen(device, received_at, boot)
    # Column widths and NUL characters: SQLite takes both, PostgreSQL would reject the batch.
    software = _text(data.software_version, 64) or device.software_version
    config = _text(data.config_version, 64) or device.config_version
    if (software, config) != (device.software_version, device.config_version):
        device.software_version, device.config_version = software, config
        device.status_changed = True
    online = data.state == "online"
    # The first status ever is a transition too: from "never heard of" to a known state.
    if device.status_changed_at is not None and device.online == online:
        return StatusOutcome(applied=True)
    device.online, device.status_changed_at, device.status_changed = online, received_at, True
    reason = _text(data.reason, 32)
    change = {"device_id": device.id, "online": online, "at": received_at, "reason": reason}
    event = {
        "type": "device",
        "device_id": device.id,
        "room_id": device.room_id,
        "online": online,
        "at": received_at.isoformat(),
    }
    return StatusOutcome(applied=True, change=change, event=event)


def _text(value: str | None, width: int) -> str | None:
    return value.replace("\x00", "\\x00")[:width] if value else None


def write_devices(
    session: Session, devices: Iterable[DeviceRow], changes: list[dict[str, Any]]
) -> None:
    """Write back what a batch changed: one executemany per kind of change."""
    ordered = sorted(devices, key=lambda d: d.id)  # lock order, see load_devices
    changed = [d for d in ordered if d.status_changed]
    seen = [d for d in ordered if d.seen and not d.status_changed]
    if changed:
        session.execute(
            _STATUS_WRITE,
            [
                {"b_id": d.id, **{f"b_{name}": getattr(d, name) for name in _LIVENESS}}
                for d in changed
            ],
        )
    if seen:
        session.execute(
            _SEEN_WRITE,
            [
                {
                    "b_id": d.id,
                    "b_last_seen_at": d.last_seen_at,
                    "b_boot": d.boot,
                    "b_last_event_ts": d.last_event_ts,
                }
                for d in seen
            ],
        )
    filled = [d for d in ordered if d.spool_changed]
    if filled:
        session.execute(
            _SPOOL_WRITE, [{"b_id": d.id, "b_spool_fill": d.spool_fill} for d in filled]
        )
    if changes:
        session.execute(insert(_STATUS_CHANGES), changes)
