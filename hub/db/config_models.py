"""ORM model of configuration push (hub/configs, docs/fleet.md): per terminal, the
configuration it should run, what was pushed, and what it answered.

Imported at the end of ``hub.db.models`` (like ``report_models``) so Alembic sees it. The
terminal's *running* version is not here: its status says it (``devices.config_version``).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class DeviceConfig(Base):
    __tablename__ = "device_configs"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    # Desired, from `python -m hub configs sync`: the file's text, its version (the first 12
    # hex digits of its SHA-256), which file, and when it was synced. Null: only a report
    # is known (a terminal that answered a push of an earlier hub database).
    desired_version: Mapped[str | None] = mapped_column(String(16))
    desired_yaml: Mapped[str | None] = mapped_column(Text)
    desired_source: Mapped[str | None] = mapped_column(String(255))
    synced_at: Mapped[datetime | None]
    # The last push: which version, when, and how often that version was pushed.
    pushed_version: Mapped[str | None] = mapped_column(String(16))
    pushed_at: Mapped[datetime | None]
    push_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The terminal's newest answer (by its event time): about which version, the outcome
    # (applied | rejected | rolled_back), a reason code and text, what it runs after it, and
    # when the hub received it (an answer received before the last push is not its answer).
    reported_version: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    running_version: Mapped[str | None] = mapped_column(String(16))
    reported_at: Mapped[datetime | None]
    report_received_at: Mapped[datetime | None]
