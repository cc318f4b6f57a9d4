"""The rollout state machine: a pure function of (rollout, its terminals, now).

One round decides what to do next:

- a terminal that was sent the command but reported no outcome within the reply timeout is
  ``timed_out``; one that has not even answered ``accepted`` after ``resend_after`` (the
  command was lost, it was offline) is sent the command again;
- any failure (``failed``, ``rolled_back``, ``timed_out``) beyond those an operator already
  promoted past halts the rollout: nothing more is sent;
- ``canary``: the canaries are sent the command; once every one of them is healthy the
  rollout promotes itself to ``rolling`` (unless it waits for an operator's ``promote``);
- ``rolling``: the others, at most ``batch_size`` in flight at a time;
- ``completed`` once no terminal is left to send to or waiting for.

Terminals that are offline are not sent anything; they get their turn when they are back.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: Sent, and the terminal is working on it (its next report will move it on).
IN_FLIGHT = frozenset({"sent", "accepted", "installed"})
FAILED = frozenset({"failed", "rolled_back", "timed_out"})
DONE = frozenset({"healthy", "skipped"})
#: What a terminal's reports may move it to, and in which order (a late report of an earlier
#: step never moves it back).
REPORT_ORDER = {"pending": 0, "sent": 1, "accepted": 2, "installed": 3}
ACTIVE = frozenset({"canary", "rolling"})
#: Resend a command that was not even accepted after this long.
RESEND_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Target:
    device_id: str
    canary: bool
    state: str
    online: bool
    sent_at: datetime | None = None  # the first time it was sent the command
    send_count: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class RolloutView:
    state: str  # canary | rolling | halted | completed
    batch_size: int
    auto_promote: bool
    reply_timeout_s: float
    failures_accepted: int = 0


@dataclass
class Round:
    send: list[str] = field(default_factory=list)  # command these terminals now (in order)
    resend: list[str] = field(default_factory=list)  # sent before, no answer: send again
    time_out: list[str] = field(default_factory=list)  # sent, no outcome in time
    state: str | None = None  # the rollout's new state, if it changes
    reason: str | None = None  # why it halted


def plan_round(rollout: RolloutView, targets: Sequence[Target], now: datetime) -> Round:
    plan = Round()
    reply_timeout = timedelta(seconds=rollout.reply_timeout_s)
    resend_every = min(RESEND_AFTER, reply_timeout / 2)
    states = {t.device_id: t.state for t in targets}
    for target in targets:
        if target.state not in IN_FLIGHT or target.sent_at is None:
            continue
        waited = now - target.sent_at
        if waited >= reply_timeout:
            plan.time_out.append(target.device_id)
            states[target.device_id] = "timed_out"
        elif (
            target.state == "sent"
            and rollout.state in ACTIVE
            and target.online
            # Every resend interval, not every round: 5, 10, 15 ... minutes after the first.
            and waited >= resend_every * max(1, target.send_count)
        ):
            plan.resend.append(target.device_id)
    if rollout.state not in ACTIVE:
        return plan

    halt = halt_reason(targets, states, rollout.failures_accepted)
    if halt is not None:
        plan.state, plan.reason = "halted", halt
        return plan

    state = rollout.state
    canaries = [t for t in targets if t.canary]
    if state == "canary" and all(states[t.device_id] in DONE for t in canaries):
        if not rollout.auto_promote and canaries:
            return plan  # every canary is healthy: waiting for an operator's promote
        state = plan.state = "rolling"
    eligible = canaries if state == "canary" else list(targets)
    in_flight = sum(1 for t in targets if states[t.device_id] in IN_FLIGHT)
    room = len(eligible) if state == "canary" else max(0, rollout.batch_size - in_flight)
    for target in eligible:
        if len(plan.send) >= room:
            break
        if states[target.device_id] == "pending" and target.online:
            plan.send.append(target.device_id)
    waiting = any(states[t.device_id] in IN_FLIGHT | {"pending"} for t in targets)
    if not waiting and not plan.send:
        plan.state = "completed"
    return plan


def halt_reason(
    targets: Sequence[Target], states: dict[str, str], failures_accepted: int
) -> str | None:
    """Why the rollout must halt (the failed terminals, named), or None: no new failure."""
    failed = [t for t in targets if states[t.device_id] in FAILED]
    if len(failed) <= failures_accepted:
        return None
    named = []
    for target in failed[:3]:
        state = states[target.device_id]
        why = f" ({target.reason})" if target.reason and state == target.state else ""
        named.append(f"{target.device_id} {state.replace('_', ' ')}{why}")
    more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
    return "; ".join(named) + more
