"""Import rooms, desks and terminals from the terminal configuration files.

``firmware_configs/`` is the source of truth: importing is an upsert, so
running it again after an edit updates names, capacities and working hours.
Rooms or desks that disappeared from the files are reported, not deleted
(their history stays).
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.config_loader import ConfigError, validate_files
from contract.terminal_config import COUNTING_KINDS, TerminalConfig
from hub.db.models import Building, Department, Desk, Device, Floor, Room, Site


@dataclass
class ImportReport:
    files: int = 0
    rooms: list[str] = field(default_factory=list)
    desks: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    # In the database but no longer in any file.
    orphaned_rooms: list[str] = field(default_factory=list)


def import_config_dir(session: Session, directory: Path) -> ImportReport:
    """Validate every ``*.yaml`` in ``directory`` and import them; nothing is imported on error."""
    paths = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    configs, problems = validate_files(paths)
    if problems:
        raise ConfigError(problems)
    report = import_terminal_configs(session, configs)
    report.files = len(paths)
    return report


def import_terminal_configs(session: Session, configs: list[TerminalConfig]) -> ImportReport:
    report = ImportReport(files=len(configs))
    for config in configs:
        _upsert(session, Site, config.site.id, name=config.site.name)
        _upsert(
            session, Building, config.building.id, site_id=config.site.id, name=config.building.name
        )
        _upsert(
            session,
            Floor,
            config.floor.id,
            building_id=config.building.id,
            name=config.floor.name,
            level=config.floor.level,
        )
        room = config.room
        if room.department is not None and session.get(Department, room.department) is None:
            session.add(Department(id=room.department, name=room.department))
        hours = room.working_hours
        _upsert(
            session,
            Room,
            room.id,
            floor_id=config.floor.id,
            name=room.name,
            kind=room.kind.value,
            capacity=room.capacity,
            timezone=room.timezone,
            department_id=room.department,
            work_start=hours.start,
            work_end=hours.end,
            work_days=list(hours.days),
        )
        report.rooms.append(room.id)
        for desk in config.desks:
            _upsert(session, Desk, desk.id, room_id=room.id, name=desk.name or desk.id)
            report.desks.append(desk.id)
        counts_people = any(sensor.kind in COUNTING_KINDS for sensor in config.sensors)
        _upsert(session, Device, config.terminal.id, room_id=room.id, counts_people=counts_people)
        report.devices.append(config.terminal.id)
        session.flush()
    known = set(report.rooms)
    report.orphaned_rooms = [r for r in session.scalars(select(Room.id)) if r not in known]
    return report


def _upsert(session: Session, model: type, key: str, **values: object) -> None:
    row = session.get(model, key)
    if row is None:
        session.add(model(id=key, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
