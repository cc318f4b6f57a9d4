"""The alert rules' names, severities and thresholds (settings ``QUORUM_ALERTS_*``)."""

from dataclasses import dataclass, field
from datetime import timedelta

from hub.settings import Settings

LOW_UTILIZATION = "low_utilization"
OVER_CAPACITY = "over_capacity"
DEVICE_OFFLINE = "device_offline"
DOOR_STUCK = "door_stuck"
SENSORS_SILENT = "sensors_silent"
SPOOL_FULL = "spool_full"
SPOOL_NEARLY_FULL = "spool_nearly_full"
UPDATE_FAILED = "update_failed"

#: Every rule and the severity of its alerts.
SEVERITY: dict[str, str] = {
    LOW_UTILIZATION: "info",
    OVER_CAPACITY: "warning",
    DEVICE_OFFLINE: "critical",
    DOOR_STUCK: "warning",
    SENSORS_SILENT: "warning",
    SPOOL_FULL: "warning",
    SPOOL_NEARLY_FULL: "warning",
    UPDATE_FAILED: "warning",
}
RULES: tuple[str, ...] = tuple(SEVERITY)


class UnknownRule(ValueError):
    """A rule name in ``QUORUM_ALERTS_RULES_OFF`` that does not exist."""


@dataclass(frozen=True)
class AlertConfig:
    hold_down: timedelta = timedelta(minutes=15)
    rules_off: frozenset[str] = field(default_factory=frozenset)
    low_utilization_pct: float = 15.0
    low_utilization_days: int = 5
    over_capacity_for: timedelta = timedelta(minutes=5)
    device_offline_for: timedelta = timedelta(minutes=10)
    door_stuck_for: timedelta = timedelta(hours=12)
    sensors_silent_for: timedelta = timedelta(hours=72)
    spool_full_window: timedelta = timedelta(hours=24)
    spool_nearly_full_pct: float = 80.0
    # A software update that failed or was rolled back (hub/releases) is news this long.
    update_failed_window: timedelta = timedelta(hours=24)

    def on(self, rule: str) -> bool:
        return rule not in self.rules_off


def parse_rules_off(text: str) -> frozenset[str]:
    names = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(names - set(RULES))
    if unknown:
        raise UnknownRule(
            f"QUORUM_ALERTS_RULES_OFF names unknown rules {unknown}; rules are {', '.join(RULES)}"
        )
    return names


def config_from(settings: Settings) -> AlertConfig:
    return AlertConfig(
        hold_down=timedelta(minutes=settings.alerts_hold_down_min),
        rules_off=parse_rules_off(settings.alerts_rules_off),
        low_utilization_pct=settings.alerts_low_utilization_pct,
        low_utilization_days=settings.alerts_low_utilization_days,
        over_capacity_for=timedelta(minutes=settings.alerts_over_capacity_min),
        device_offline_for=timedelta(minutes=settings.alerts_device_offline_min),
        door_stuck_for=timedelta(hours=settings.alerts_door_stuck_h),
        sensors_silent_for=timedelta(hours=settings.alerts_sensors_silent_h),
        spool_full_window=timedelta(hours=settings.alerts_spool_full_window_h),
        spool_nearly_full_pct=settings.alerts_spool_nearly_full_pct,
    )
