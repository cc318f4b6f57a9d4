"""Room terminals: online or not, when last heard from, which software, how full the spool."""

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.api.common import Staff, UtcTime, not_found
from hub.api.device_configs import DeviceConfigOut, config_out
from hub.api.errors import NOT_FOUND
from hub.api.spaces import Ref
from hub.auth.scope import room_clause, visible_device
from hub.configs.state import policy_from
from hub.db.config_models import DeviceConfig
from hub.db.models import Device, Room
from hub.ingest.devices import read_spool_fill
from hub.settings import Settings
from hub.state import SessionDep, SettingsDep

router = APIRouter(tags=["devices"])


class SpoolFillOut(BaseModel):
    pending: int = Field(description="Messages waiting for the hub's confirmation.")
    max_messages: int
    bytes: int = Field(description="Their payloads' size.")
    max_bytes: int
    used_pct: float = Field(description="The fuller of the two, in % of its bound.")
    reported_at: UtcTime = Field(description="Event time of the heartbeat that said it.")


class DeviceOut(BaseModel):
    id: str
    room_id: str
    room: Ref
    online: bool
    last_seen_at: UtcTime | None = Field(description="Hub time of the last message of any kind.")
    status_changed_at: UtcTime | None = Field(
        description="Hub time of the last online/offline change."
    )
    boot: str | None = Field(description="The terminal's current boot id (new per process start).")
    software_version: str | None
    config_version: str | None
    spool: SpoolFillOut | None = Field(
        description="The spool's fill from the newest heartbeat that carried one; null: never."
    )
    revoked_at: UtcTime | None = Field(
        default=None,
        description="When its broker credentials were revoked (python -m hub devices revoke); "
        "the hub ignores what it sends from then on. Null: not revoked.",
    )
    config: DeviceConfigOut = Field(
        description="The configuration it runs, the one it should (firmware_configs/), and its "
        "answer to the last push (docs/fleet.md)."
    )


def _out(device: Device, room: Room, config: DeviceConfig | None, settings: Settings) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        room_id=room.id,
        room=Ref(id=room.id, name=room.name),
        online=device.online,
        last_seen_at=device.last_seen_at,
        status_changed_at=device.status_changed_at,
        boot=device.boot,
        software_version=device.software_version,
        config_version=device.config_version,
        spool=_spool(device),
        revoked_at=device.revoked_at,
        config=config_out(config, device.config_version, policy_from(settings)),
    )


def _spool(device: Device) -> SpoolFillOut | None:
    read = read_spool_fill(device.spool_fill)
    if read is None:
        return None
    fill, at = read
    return SpoolFillOut(
        pending=fill.pending,
        max_messages=fill.max_messages,
        bytes=fill.bytes,
        max_bytes=fill.max_bytes,
        used_pct=round(fill.used * 100, 1),
        reported_at=at,
    )


@router.get("/devices", summary="Terminals of the rooms you may see")
def list_devices(
    caller: Staff,
    session: SessionDep,
    settings: SettingsDep,
    room_id: str | None = None,
    online: bool | None = None,
) -> list[DeviceOut]:
    query = (
        select(Device, Room, DeviceConfig)
        .join(Room, Room.id == Device.room_id)
        .outerjoin(DeviceConfig, DeviceConfig.device_id == Device.id)
        .where(room_clause(caller))
        .order_by(Device.id)
    )
    if room_id is not None:
        query = query.where(Device.room_id == room_id)
    if online is not None:
        query = query.where(Device.online.is_(online))
    rows = session.execute(query)
    return [_out(device, room, config, settings) for device, room, config in rows]


@router.get("/devices/{device_id}", summary="One terminal", responses=NOT_FOUND)
def get_device(
    caller: Staff, device_id: str, session: SessionDep, settings: SettingsDep
) -> DeviceOut:
    device = visible_device(session, caller, device_id)
    if device is None:
        raise not_found("device", device_id)
    room = session.get(Room, device.room_id)
    assert room is not None  # foreign key
    return _out(device, room, session.get(DeviceConfig, device.id), settings)
