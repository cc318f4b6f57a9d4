"""Utilization analytics: how much each room and desk is really used.

Pure logic (``timeline``, ``schedule``, ``utilization``) knows nothing about the
database; ``queries`` loads what it needs and ``report`` is what the API calls.
Definitions and a worked example: docs/utilization.md.
"""

from hub.analytics.report import (
    MAX_RANGE,
    GroupBy,
    UnknownSpaceError,
    UtilizationReport,
    UtilizationRow,
    check_range,
    occupancy_history,
    utilization_report,
)
from hub.analytics.schedule import WorkSchedule
from hub.analytics.timeline import (
    Interval,
    OccupancyPoint,
    Segment,
    State,
    StatusPoint,
    build_timeline,
    offline_spells,
)
from hub.analytics.utilization import DayUsage, Usage, daily_usage, total

__all__ = [
    "MAX_RANGE",
    "DayUsage",
    "GroupBy",
    "Interval",
    "OccupancyPoint",
    "Segment",
    "State",
    "StatusPoint",
    "UnknownSpaceError",
    "Usage",
    "UtilizationReport",
    "UtilizationRow",
    "WorkSchedule",
    "build_timeline",
    "check_range",
    "daily_usage",
    "occupancy_history",
    "offline_spells",
    "total",
    "utilization_report",
]
