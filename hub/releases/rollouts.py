"""Rollouts in the store: start one, promote it, halt it, and say where it stands.

The round that sends commands is :mod:`hub.releases.round`; what terminals report is
:mod:`hub.releases.reports`; the decisions themselves are :mod:`hub.releases.plan`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract import CONTRACT_VERSION
from hub.db.models import Device
from hub.db.release_models import Release, Rollout, RolloutDevice
from hub.releases.plan import ACTIVE, DONE, FAILED, IN_FLIGHT, RolloutView, Target


class RolloutError(Exception):
    """A rollout that cannot be started or changed (the message says why)."""


@dataclass(frozen=True)
class RolloutRequest:
    version: str
    canary: int = 1
    # The terminals to update, in this order (canaries first); None: every registered one.
    devices: Sequence[str] | None = None
    batch_size: int = 10
    auto_promote: bool = True
    health_timeout_s: float = 300.0
    reply_timeout_s: float = 1800.0


def create_rollout(
    session: Session, request: RolloutRequest, *, now: datetime, actor: str
) -> Rollout:
    release = session.get(Release, request.version)
    if release is None:
        raise RolloutError(
            f"no release {request.version}: add it with 'python -m hub releases add FILE'"
        )
    _check_contract(release)
    under_way = session.scalar(select(Rollout).where(Rollout.state.in_(ACTIVE)))
    if under_way is not None:
        raise RolloutError(
            f"rollout {under_way.id} of {under_way.version} is under way ({under_way.state}): "
            f"halt it first (python -m hub releases halt {under_way.version})"
        )
    if request.reply_timeout_s <= request.health_timeout_s:
        raise RolloutError("the reply timeout must be longer than the health timeout")
    devices = _targets(session, request.devices)
    rollout = Rollout(
        version=release.version,
        state="canary" if request.canary > 0 else "rolling",
        canary_size=request.canary,
        batch_size=request.batch_size,
        auto_promote=request.auto_promote,
        health_timeout_s=request.health_timeout_s,
        reply_timeout_s=request.reply_timeout_s,
        failures_accepted=0,
        created_at=now,
        created_by=actor[:100],
        updated_at=now,
    )
    session.add(rollout)
    session.flush()
    # Canaries: the first ones still to update, online ones first so the canary can start now.
    to_update = [d for d in devices if d.software_version != release.version]
    canaries = {d.id for d in sorted(to_update, key=lambda d: not d.online)[: request.canary]}
    for device in devices:
        skipped = device.software_version == release.version
        session.add(
            RolloutDevice(
                rollout_id=rollout.id,
                device_id=device.id,
                canary=device.id in canaries,
                state="skipped" if skipped else "pending",
                reason="already_running" if skipped else None,
                from_version=device.software_version,
                send_count=0,
                downloads=0,
            )
        )
    session.flush()
    return rollout


def _check_contract(release: Release) -> None:
    """A release stored by another hub version may speak another contract than this hub:
    its terminals' messages would be refused (``unsupported_version``), so it is not sent."""
    if release.contract_version == CONTRACT_VERSION:
        return
    remedy = (
        "upgrade the hub first"
        if release.contract_version > CONTRACT_VERSION
        else f"roll out a release that speaks v{CONTRACT_VERSION}"
    )
    raise RolloutError(
        f"release {release.version} speaks contract v{release.contract_version}, this hub "
        f"v{CONTRACT_VERSION}: the hub would refuse its terminals' messages; {remedy} "
        "(docs/operations.md, Upgrades)"
    )


def _targets(session: Session, wanted: Sequence[str] | None) -> list[Device]:
    query = select(Device).where(Device.revoked_at.is_(None)).order_by(Device.id)
    if wanted is None:
        found = list(session.scalars(query))
        if not found:
            raise RolloutError("no terminals registered: import their configuration files first")
        return found
    by_id = {d.id: d for d in session.scalars(query.where(Device.id.in_(list(wanted))))}
    unknown = [d for d in wanted if d not in by_id]
    if unknown:
        raise RolloutError(f"unknown or revoked terminals: {', '.join(unknown)}")
    return [by_id[d] for d in dict.fromkeys(wanted)]


def find_rollout(session: Session, version: str | None = None) -> Rollout | None:
    """The newest rollout (of ``version``)."""
    query = select(Rollout).order_by(Rollout.id.desc()).limit(1)
    if version is not None:
        query = query.where(Rollout.version == version)
    return session.scalar(query)


def promote(session: Session, rollout: Rollout, *, now: datetime) -> str:
    """Go on to every terminal: from ``canary`` now, or from ``halted`` past the failures so
    far (only new ones halt it again). Returns the state it was in."""
    before = rollout.state
    if before not in ("canary", "halted"):
        raise RolloutError(f"rollout {rollout.id} is {before}: nothing to promote")
    if before == "halted":
        rows = device_rows(session, rollout.id)
        rollout.failures_accepted = sum(1 for r, _ in rows if r.state in FAILED)
        rollout.halted_reason = None
    rollout.state = "rolling"
    rollout.updated_at = now
    return before


def halt(session: Session, rollout: Rollout, *, now: datetime, reason: str) -> None:
    if rollout.state not in ACTIVE:
        raise RolloutError(f"rollout {rollout.id} is {rollout.state}: nothing to halt")
    rollout.state = "halted"
    rollout.halted_reason = reason[:2000]
    rollout.updated_at = now


def device_rows(session: Session, rollout_id: int) -> list[tuple[RolloutDevice, Device]]:
    query = (
        select(RolloutDevice, Device)
        .join(Device, Device.id == RolloutDevice.device_id)
        .where(RolloutDevice.rollout_id == rollout_id)
        .order_by(RolloutDevice.canary.desc(), RolloutDevice.device_id)
    )
    return [(row, device) for row, device in session.execute(query)]


def view_of(rollout: Rollout) -> RolloutView:
    return RolloutView(
        state=rollout.state,
        batch_size=rollout.batch_size,
        auto_promote=rollout.auto_promote,
        reply_timeout_s=rollout.reply_timeout_s,
        failures_accepted=rollout.failures_accepted,
    )


def target_of(row: RolloutDevice, device: Device) -> Target:
    return Target(
        device_id=row.device_id,
        canary=row.canary,
        state=row.state,
        online=device.online,
        sent_at=row.sent_at,
        send_count=row.send_count,
        reason=row.reason,
    )


def rollout_status(session: Session, rollout: Rollout) -> dict[str, Any]:
    """Where the rollout stands, terminal by terminal (``releases status``, the API)."""
    rows = device_rows(session, rollout.id)
    counts: dict[str, int] = {}
    for row, _ in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    waiting = ""
    if rollout.state == "canary" and not rollout.auto_promote:
        canaries = [r for r, _ in rows if r.canary]
        if canaries and all(r.state in DONE for r in canaries):
            waiting = "every canary is healthy: promote it to go on"
    return {
        "id": rollout.id,
        "version": rollout.version,
        "state": rollout.state,
        "halted_reason": rollout.halted_reason,
        "waiting_for": waiting or None,
        "canary_size": rollout.canary_size,
        "batch_size": rollout.batch_size,
        "auto_promote": rollout.auto_promote,
        "health_timeout_s": rollout.health_timeout_s,
        "reply_timeout_s": rollout.reply_timeout_s,
        "created_at": rollout.created_at.isoformat(),
        "created_by": rollout.created_by,
        "updated_at": rollout.updated_at.isoformat(),
        "finished_at": rollout.finished_at.isoformat() if rollout.finished_at else None,
        "counts": counts,
        "in_flight": sum(1 for r, _ in rows if r.state in IN_FLIGHT),
        "devices": [
            {
                "device_id": row.device_id,
                "room_id": device.room_id,
                "canary": row.canary,
                "state": row.state,
                "reason": row.reason,
                "detail": row.detail,
                "from_version": row.from_version,
                "software_version": device.software_version,
                "online": device.online,
                "sent_at": row.sent_at.isoformat() if row.sent_at else None,
                "reported_at": row.reported_at.isoformat() if row.reported_at else None,
            }
            for row, device in rows
        ],
    }
