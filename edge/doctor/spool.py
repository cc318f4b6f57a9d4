"""Spool: its folder can be written, and the disk has room for ``spool.max_mb``.

The spool (docs/spool.md) keeps every message until the hub confirms it; it may grow to
``spool.max_mb`` during an outage (plus SQLite's write-ahead log). A disk without that
room fails when it matters most, so the check is required. The terminal creates the folder
if its parent lets it (the installer makes /var/lib/quorum, owned by quorum).
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from edge.doctor.context import DoctorContext
from edge.doctor.result import CheckResult, passed, problem

NAME = "spool"
# SQLite's write-ahead log and checkpoints need room next to the database itself.
HEADROOM = 1.25


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


class _Free(Protocol):
    @property
    def free(self) -> int: ...


def check_spool(
    ctx: DoctorContext, disk_usage: Callable[[Path], _Free] = shutil.disk_usage
) -> CheckResult:
    path = ctx.spool_path()
    folder = path.parent
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        target = path if path.exists() else existing
        return problem(
            NAME,
            True,
            f"{target} is not writable by this user, so the spool {path} cannot be "
            f"{'written' if path.exists() else 'created'}",
            f"sudo install -d -o quorum -g quorum -m 0750 {folder} (deploy/pi/install.sh does), "
            "and run the doctor as the service user: sudo -u quorum /opt/quorum/venv/bin/python "
            "-m edge doctor ...",
            path=str(path),
        )
    usage = disk_usage(existing)
    free_mb = usage.free / 1e6
    held_mb = path.stat().st_size / 1e6 if path.exists() else 0.0
    need_mb = ctx.config.spool.max_mb * HEADROOM - held_mb
    details: dict[str, Any] = {
        "path": str(path),
        "free_mb": round(free_mb, 1),
        "max_mb": ctx.config.spool.max_mb,
    }
    if free_mb < need_mb:
        return problem(
            NAME,
            True,
            f"{free_mb:.0f} MB free at {existing}, but the spool may grow to spool.max_mb = "
            f"{ctx.config.spool.max_mb:g} MB (plus its log: {need_mb:.0f} MB more needed)",
            f"free disk space (sudo apt-get clean; sudo journalctl --vacuum-size=100M) or "
            f"lower spool.max_mb in {ctx.config_path}",
            **details,
        )
    return passed(
        NAME,
        f"{path}: {free_mb:.0f} MB free for spool.max_mb = {ctx.config.spool.max_mb:g} MB",
        **details,
    )
