"""A new terminal's configuration file, filled from the hub's organisation model.

Site, building, floor, room and desks come from the database, so the file agrees with what
the hub already knows; sensors (and occupancy, fusion, spool and speech settings) come from
a template configuration when one is given, else one PIR motion sensor on GPIO17 that the
installer edits to match the wiring. The document is checked with the contract's own loader
before it is put in place: a file that would not run is never written.
"""

import io
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.config_loader import ConfigError, load_terminal_config
from contract.terminal_config import TerminalConfig
from hub.db.models import Building, Desk, Floor, Room, Site

# Sections taken from a template configuration (the rest describes this room and broker).
TEMPLATE_SECTIONS = ("sensors", "occupancy", "fusion", "spool", "speech")
DEFAULT_SENSORS = [{"id": "pir", "kind": "pir_motion", "pin": "GPIO17"}]
HEADER = (
    "# Written by 'python -m hub devices provision' from the hub's organisation model.\n"
    "# Check the sensors against the wiring (docs/sensors.md); keep the password file\n"
    "# and key readable by the terminal's user only.\n"
)


@dataclass(frozen=True)
class BrokerSettings:
    """The ``mqtt:`` section of a provisioned terminal; paths as seen on the terminal."""

    host: str
    port: int
    prefix: str
    username: str
    password_file: str | None
    ca_file: str | None
    cert_file: str | None = None
    key_file: str | None = None

    def section(self) -> dict[str, Any]:
        section: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "prefix": self.prefix,
            "username": self.username,
        }
        if self.password_file is not None:
            section["password"] = f"file:{self.password_file}"
        section["tls"] = True
        for key in ("ca_file", "cert_file", "key_file"):
            if getattr(self, key) is not None:
                section[key] = getattr(self, key)
        return section


class TerminalFileError(Exception):
    """The terminal's file cannot be made; the message says why."""


def terminal_document(
    session: Session,
    room: Room,
    device_id: str,
    broker: BrokerSettings,
    template: TerminalConfig | None = None,
) -> dict[str, Any]:
    floor = session.get(Floor, room.floor_id)
    building = session.get(Building, floor.building_id) if floor else None
    site = session.get(Site, building.site_id) if building else None
    if floor is None or building is None or site is None:
        raise TerminalFileError(f"room {room.id!r} has no floor, building or site in the hub")
    desks = session.scalars(select(Desk).where(Desk.room_id == room.id).order_by(Desk.id))
    document: dict[str, Any] = {
        "version": 1,
        "terminal": {"id": device_id},
        "site": {"id": site.id, "name": site.name},
        "building": {"id": building.id, "name": building.name},
        "floor": {"id": floor.id, "name": floor.name, "level": floor.level},
        "room": _room(room),
        "desks": [{"id": d.id, "name": d.name} for d in desks],
        "sensors": DEFAULT_SENSORS,
    }
    if not document["desks"]:
        del document["desks"]
    if template is not None:
        given = template.model_dump(mode="json", exclude_unset=True)
        document.update({k: given[k] for k in TEMPLATE_SECTIONS if k in given})
    document["mqtt"] = broker.section()
    return document


def _room(room: Room) -> dict[str, Any]:
    section: dict[str, Any] = {
        "id": room.id,
        "name": room.name,
        "kind": room.kind,
        "capacity": room.capacity,
        "timezone": room.timezone,
    }
    if room.department_id is not None:
        section["department"] = room.department_id
    section["working_hours"] = {
        "start": _clock(room.work_start),
        "end": _clock(room.work_end),
        "days": list(room.work_days),
    }
    return section


def _clock(value: time) -> DoubleQuotedScalarString:
    # Quoted: YAML 1.1 readers take an unquoted 08:00 for a number (480).
    return DoubleQuotedScalarString(value.strftime("%H:%M"))


def write_terminal_file(path: Path, document: dict[str, Any]) -> TerminalConfig:
    """Write ``document`` as YAML to ``path`` if the contract's loader accepts it."""
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096  # a long path stays on its key's line
    text = io.StringIO()
    yaml.dump(document, text)
    candidate = path.with_name(f".{path.name}.check")
    candidate.write_text(HEADER + text.getvalue(), encoding="utf-8")
    try:
        config = load_terminal_config(candidate)
    except ConfigError as exc:
        candidate.unlink()
        problems = "; ".join(str(p).replace(str(candidate), path.name) for p in exc.problems)
        raise TerminalFileError(
            f"the terminal's configuration would not be valid: {problems}"
        ) from None
    candidate.replace(path)
    return config
