"""Findings against the open alerts: what to open, keep, hold and resolve (pure).

The rule against storms is a hold-down on *resolving*: an open alert whose condition is
no longer found is not resolved at once; it records when it was first found clear
(``clear_since``) and is resolved only at the first evaluation at least ``hold_down``
after that. If the condition comes back before, the same alert goes on (``last_seen_at``
moves, ``clear_since`` is forgotten). So a condition that flaps faster than the hold-down
is one alert, and one (rule, subject) opens and resolves at most once per hold-down.
After a resolution, the condition coming back opens a new alert.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.alerts.facts import Finding

Key = tuple[str, str, str]  # (rule, subject_kind, subject_id)


@dataclass(frozen=True)
class OpenAlert:
    id: int
    key: Key
    clear_since: datetime | None


@dataclass
class Plan:
    opened: list[Finding] = field(default_factory=list)
    # Alerts whose condition holds: (alert id, finding), last_seen_at = now.
    touched: list[tuple[int, Finding]] = field(default_factory=list)
    # Alerts found clear for the first time: clear_since = now.
    clearing: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.opened or self.touched or self.clearing or self.resolved)


def reconcile(
    open_alerts: list[OpenAlert], findings: list[Finding], now: datetime, hold_down: timedelta
) -> Plan:
    plan = Plan()
    by_key = {alert.key: alert for alert in open_alerts}
    found: set[Key] = set()
    for finding in findings:
        if finding.key in found:
            continue  # a rule named the same subject twice: the first one speaks for it
        found.add(finding.key)
        alert = by_key.get(finding.key)
        if alert is None:
            plan.opened.append(finding)
        else:
            plan.touched.append((alert.id, finding))
    for alert in open_alerts:
        if alert.key in found:
            continue
        clear_since = alert.clear_since if alert.clear_since is not None else now
        if now - clear_since >= hold_down:
            plan.resolved.append(alert.id)
        elif alert.clear_since is None:
            plan.clearing.append(alert.id)
    return plan
