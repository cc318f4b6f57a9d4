"""The push loop: sends each online terminal the configuration it should run, if it runs
another (hub/configs/state.py decides when), on ``cmd/config`` (QoS 1, never retained).

Commands are not retained, so a terminal that is offline at the sync gets its configuration
when it is back: its retained status marks it online with the version it runs, and the next
round sees the difference. A push that got no answer is repeated after ``retry_after_s`` (a
command lost with a connection), at most ``max_pushes`` times. A terminal that rejected or
rolled back the desired version is not pushed to again until the files change or an operator
asks (``python -m hub configs push``): the same file would fail the same way.

One round is one transaction; with several hub workers on PostgreSQL one worker at a time
runs it (an advisory lock). Every push is an audit entry (``config.push``, actor ``system``).
"""

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.clock import Clock
from contract.commands import CONFIG_TARGET, ConfigCommand, encode_config_command
from hub.audit import record
from hub.configs.state import PushPolicy, policy_from, push_due
from hub.db.config_models import DeviceConfig
from hub.db.models import Device
from hub.loops import Loop, take_loop_lock
from hub.settings import Settings

log = logging.getLogger(__name__)

#: ``send(room_id, device_id, target, payload) -> sent`` (IngestService.publish_command).
CommandSender = Callable[[str, str, str, bytes], bool]
# pg_advisory_xact_lock key of the round ("QCFGP" in ASCII).
PUSH_LOCK_KEY = 0x5143464750


def push_round(
    factory: sessionmaker[Session], send: CommandSender, now: datetime, policy: PushPolicy
) -> list[str]:
    """Push every configuration that is due; the terminals pushed to."""
    pushed: list[str] = []
    with factory() as session, session.begin():
        if not take_loop_lock(session, PUSH_LOCK_KEY):
            return pushed  # another worker runs this round
        rows = session.execute(
            select(DeviceConfig, Device)
            .join(Device, Device.id == DeviceConfig.device_id)
            .where(DeviceConfig.desired_version.is_not(None), Device.online.is_(True))
            .order_by(Device.id)
        )
        for row, device in rows:
            if not push_due(row, device, now, policy):
                continue
            assert row.desired_version is not None and row.desired_yaml is not None
            command = ConfigCommand(version=row.desired_version, yaml=row.desired_yaml)
            if not send(device.room_id, device.id, CONFIG_TARGET, encode_config_command(command)):
                log.warning("configuration push paused: the hub is not connected to the broker")
                break
            again = row.pushed_version == row.desired_version
            row.push_count = row.push_count + 1 if again else 1
            row.pushed_version, row.pushed_at = row.desired_version, now
            record(
                session,
                actor="system",
                action="config.push",
                target=f"device:{device.id}",
                details={
                    "version": row.desired_version,
                    "running_version": device.config_version,
                    "attempt": row.push_count,
                },
                now=now,
            )
            pushed.append(device.id)
    if pushed:
        log.info("pushed configurations to %d terminal(s): %s", len(pushed), ", ".join(pushed))
    return pushed


def push_loop(
    factory: sessionmaker[Session],
    send: CommandSender,
    clock: Clock,
    policy: PushPolicy,
    interval_s: float,
) -> Loop:
    """The hub's background loop (started by the app's lifespan when ingest runs)."""

    def round_() -> None:
        push_round(factory, send, clock.now(), policy)

    return Loop("config-push", round_, interval_s)


def config_push_runner(
    settings: Settings,
    factory: sessionmaker[Session],
    clock: Clock,
    send: CommandSender | None,
) -> Loop | None:
    """The push loop, when the hub has a broker connection (``send``: the ingest's)."""
    if send is None:
        return None
    return push_loop(factory, send, clock, policy_from(settings), settings.config_push_interval_s)
