"""Reconciling findings with open alerts on a fake clock: one alert per episode, none
duplicated, resolved after the hold-down, flapping kept to one alert."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from common.clock import FakeClock
from hub.alerts.facts import Finding
from hub.alerts.reconcile import OpenAlert, Plan, reconcile

START = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
HOLD = timedelta(minutes=15)
OFFLINE = Finding("device_offline", "device", "term-a", "aurora", "critical", "Offline.")


@dataclass
class Alerts:
    """A tiny in-memory alert table that carries out plans as the store does."""

    clock: FakeClock
    rows: dict[int, dict[str, object]] = field(default_factory=dict)
    events: list[tuple[str, int]] = field(default_factory=list)

    def evaluate(self, *findings: Finding) -> Plan:
        now = self.clock.now()
        open_ = [
            OpenAlert(i, r["key"], r["clear_since"])  # type: ignore[arg-type]
            for i, r in self.rows.items()
            if r["resolved_at"] is None
        ]
        plan = reconcile(open_, list(findings), now, HOLD)
        for alert_id, _ in plan.touched:
            self.rows[alert_id] |= {"last_seen_at": now, "clear_since": None}
        for alert_id in plan.clearing:
            self.rows[alert_id]["clear_since"] = now
        for alert_id in plan.resolved:
            self.rows[alert_id]["resolved_at"] = now
            self.events.append(("resolved", alert_id))
        for finding in plan.opened:
            new_id = len(self.rows) + 1
            self.rows[new_id] = {
                "key": finding.key,
                "opened_at": now,
                "last_seen_at": now,
                "clear_since": None,
                "resolved_at": None,
            }
            self.events.append(("opened", new_id))
        return plan


def test_a_lasting_condition_is_one_alert_whose_last_seen_moves() -> None:
    clock = FakeClock(START)
    alerts = Alerts(clock)
    for _ in range(100):
        alerts.evaluate(OFFLINE)
        clock.advance(60)
    assert alerts.events == [("opened", 1)]
    assert alerts.rows[1]["opened_at"] == START
    assert alerts.rows[1]["last_seen_at"] == START + timedelta(minutes=99)


def test_resolved_once_clear_for_the_hold_down_then_a_new_alert_if_it_comes_back() -> None:
    clock = FakeClock(START)
    alerts = Alerts(clock)
    alerts.evaluate(OFFLINE)
    clock.advance(60)
    assert alerts.evaluate().clearing == [1]  # clear: the hold-down starts
    clock.advance(14 * 60)
    assert alerts.evaluate().empty  # 14 min clear: still open
    clock.advance(60)
    assert alerts.evaluate().resolved == [1]
    assert alerts.rows[1]["resolved_at"] == START + timedelta(minutes=16)
    clock.advance(60)
    alerts.evaluate()
    assert alerts.events == [("opened", 1), ("resolved", 1)]
    clock.advance(60)
    alerts.evaluate(OFFLINE)
    assert alerts.events[-1] == ("opened", 2)
    assert alerts.rows[2]["opened_at"] == START + timedelta(minutes=18)


def test_a_condition_flapping_faster_than_the_hold_down_is_one_alert() -> None:
    clock = FakeClock(START)
    alerts = Alerts(clock)
    for minute in range(120):  # on for 3 min, off for 4 min, again and again
        if minute % 7 < 3:
            alerts.evaluate(OFFLINE)
        else:
            alerts.evaluate()
        clock.advance(60)
    assert alerts.events == [("opened", 1)]
    assert alerts.rows[1]["resolved_at"] is None


def test_with_no_hold_down_an_alert_resolves_at_the_first_clear_evaluation() -> None:
    plan = reconcile([OpenAlert(7, OFFLINE.key, None)], [], START, timedelta(0))
    assert plan.resolved == [7] and plan.clearing == []


def test_subjects_and_rules_are_kept_apart() -> None:
    other_device = Finding("device_offline", "device", "term-b", "aurora", "critical", "Off.")
    other_rule = Finding("sensors_silent", "device", "term-a", "aurora", "warning", "Quiet.")
    plan = reconcile(
        [OpenAlert(1, OFFLINE.key, None)], [OFFLINE, other_device, other_rule, OFFLINE], START, HOLD
    )
    assert [t[0] for t in plan.touched] == [1]
    assert plan.opened == [other_device, other_rule]
