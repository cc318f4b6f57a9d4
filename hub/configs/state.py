"""Where a terminal stands with its configuration, for the API, the CLI and the push loop.

``state`` is one of:

- ``unmanaged``: no configuration stored for it (never synced);
- ``in_sync``: it runs the desired version (its status says so, or it reported it applied);
- ``pending``: not pushed yet (offline since the sync, or the hub had no broker);
- ``pushed``: pushed, no answer yet;
- ``rejected`` / ``rolled_back``: its answer to the desired version; not pushed again until
  the files change or someone asks (``python -m hub configs push``);
- ``no_answer``: pushed ``max_pushes`` times without an answer (older terminal software?).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from hub.db.config_models import DeviceConfig
from hub.db.models import Device
from hub.settings import Settings

ConfigState = Literal[
    "unmanaged", "in_sync", "pending", "pushed", "rejected", "rolled_back", "no_answer"
]
FAILED: frozenset[str] = frozenset({"rejected", "rolled_back"})


@dataclass(frozen=True)
class PushPolicy:
    # Push the same version again this long after the last push, while it is not answered
    # (a command lost with a connection): longer than a terminal's health check (60 s).
    retry_after_s: float = 300.0
    # ...at most this many times; then the terminal is "no_answer" until the next sync.
    max_pushes: int = 5


def policy_from(settings: Settings) -> PushPolicy:
    return PushPolicy(
        retry_after_s=settings.config_push_retry_s, max_pushes=settings.config_push_max
    )


def config_state(
    row: DeviceConfig | None, running_version: str | None, policy: PushPolicy
) -> ConfigState:
    if row is None or row.desired_version is None:
        return "unmanaged"
    desired = row.desired_version
    if running_version == desired:
        return "in_sync"
    pushed = row.pushed_version == desired
    if pushed and answered_last_push(row):
        if row.outcome == "applied":
            return "in_sync"  # its status will say so too
        if row.outcome in FAILED:
            return "rejected" if row.outcome == "rejected" else "rolled_back"
    if not pushed:
        return "pending"
    return "no_answer" if row.push_count >= policy.max_pushes else "pushed"


def answered_last_push(row: DeviceConfig) -> bool:
    """The stored answer is about the version last pushed and came after that push."""
    if row.reported_version != row.pushed_version or row.report_received_at is None:
        return False
    return row.pushed_at is None or row.report_received_at >= row.pushed_at


def push_due(row: DeviceConfig, device: Device, now: datetime, policy: PushPolicy) -> bool:
    """Whether to push ``row``'s desired configuration to ``device`` now."""
    if not device.online or device.revoked_at is not None:
        return False  # commands are not retained: it gets it when it is back
    state = config_state(row, device.config_version, policy)
    if state == "pending":
        return True
    if state != "pushed" or row.pushed_at is None:
        return False
    return now - row.pushed_at >= timedelta(seconds=policy.retry_after_s)


def config_view(
    row: DeviceConfig | None, running_version: str | None, policy: PushPolicy
) -> dict[str, Any]:
    """The API's and the CLI's picture of one terminal's configuration."""
    view: dict[str, Any] = {
        "state": config_state(row, running_version, policy),
        "running_version": running_version,
        "desired_version": None,
        "source": None,
        "synced_at": None,
        "pushed_at": None,
        "push_count": 0,
        "last_report": None,
    }
    if row is None:
        return view
    view.update(
        desired_version=row.desired_version,
        source=row.desired_source,
        synced_at=row.synced_at,
        pushed_at=row.pushed_at,
        push_count=row.push_count if row.pushed_version == row.desired_version else 0,
    )
    if row.reported_version is not None:
        view["last_report"] = {
            "version": row.reported_version,
            "outcome": row.outcome,
            "reason": row.reason,
            "detail": row.detail,
            "running_version": row.running_version,
            "at": row.reported_at,
        }
    return view
