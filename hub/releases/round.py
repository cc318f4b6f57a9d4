"""One round of the rollout loop: time out, (re)send, promote, halt or complete.

The commands go out through ``send`` (the ingest service's ``publish_command``: QoS 1, never
retained). A terminal is marked ``sent`` only when the broker connection took the command;
otherwise it stays ``pending`` for the next round. Every send carries a new download token.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from contract.update_commands import UPDATE_TARGET, UpdateCommand, encode_update_command
from hub.db.models import Device
from hub.db.release_models import Release, Rollout, RolloutDevice
from hub.releases.downloads import download_url, issue_token
from hub.releases.plan import ACTIVE, IN_FLIGHT, plan_round
from hub.releases.rollouts import device_rows, target_of, view_of

log = logging.getLogger(__name__)

#: ``send(room_id, device_id, target, payload) -> bool``: False when not connected.
Send = Callable[[str, str, str, bytes], bool]


@dataclass
class RoundResult:
    sent: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)
    changes: list[tuple[int, str]] = field(default_factory=list)  # (rollout, new state)


def run_round(session: Session, now: datetime, send: Send, releases_url: str) -> RoundResult:
    """Advance every rollout that is under way or still has terminals in flight."""
    result = RoundResult()
    in_flight = exists().where(
        RolloutDevice.rollout_id == Rollout.id, RolloutDevice.state.in_(IN_FLIGHT)
    )
    query = select(Rollout).where(Rollout.state.in_(ACTIVE) | in_flight).order_by(Rollout.id)
    for rollout in session.scalars(query):
        _advance(session, rollout, now, send, releases_url, result)
    return result


def _advance(
    session: Session,
    rollout: Rollout,
    now: datetime,
    send: Send,
    releases_url: str,
    result: RoundResult,
) -> None:
    rows = device_rows(session, rollout.id)
    plan = plan_round(view_of(rollout), [target_of(r, d) for r, d in rows], now)
    by_id = {row.device_id: (row, device) for row, device in rows}
    for device_id in plan.time_out:
        row = by_id[device_id][0]
        row.state, row.reason = "timed_out", None
        row.detail = f"no outcome within {rollout.reply_timeout_s:.0f} s of the command"
        row.token_hash = row.token_expires_at = None
        result.timed_out.append(device_id)
    release = session.get(Release, rollout.version)
    assert release is not None  # foreign key
    for device_id in plan.resend + plan.send:
        row, device = by_id[device_id]
        if not _send(row, device, rollout, release, now, send, releases_url):
            log.info("broker not connected: rollout %d waits to send", rollout.id)
            break
        result.sent.append(device_id)
    if plan.state is not None and plan.state != rollout.state:
        log.warning(
            "rollout %d of %s: %s -> %s%s",
            rollout.id,
            rollout.version,
            rollout.state,
            plan.state,
            f" ({plan.reason})" if plan.reason else "",
        )
        rollout.state = plan.state
        if plan.state == "halted":
            rollout.halted_reason = plan.reason
        if plan.state == "completed":
            rollout.finished_at = now
        result.changes.append((rollout.id, plan.state))
    rollout.updated_at = now


def _send(
    row: RolloutDevice,
    device: Device,
    rollout: Rollout,
    release: Release,
    now: datetime,
    send: Send,
    releases_url: str,
) -> bool:
    first_sent = row.sent_at or now
    valid_for = first_sent + timedelta(seconds=rollout.reply_timeout_s) - now
    issued = issue_token(now, valid_for)
    command = UpdateCommand(
        rollout=rollout.id,
        version=release.version,
        url=download_url(releases_url, issued.token),
        sha256=release.sha256,
        size_bytes=release.size_bytes,
        filename=release.filename,
        health_timeout_s=rollout.health_timeout_s,
    )
    payload = encode_update_command(command, now)
    if not send(device.room_id, device.id, UPDATE_TARGET, payload):
        return False
    row.state = "sent" if row.state == "pending" else row.state
    row.sent_at = first_sent
    row.send_count += 1
    row.token_hash, row.token_expires_at = issued.token_hash, issued.expires_at
    row.downloads = 0  # the limit is per token
    return True
