"""A point as the exporter builds it: our own small type, turned into line protocol by the
writer, so no influxdb-client type leaves ``hub.timeseries.writer``."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Measurement and field names the exporter writes (docs/timeseries.md; the Grafana
#: dashboard in deploy/grafana refers to them, and a test checks it does).
OCCUPANCY = "occupancy"  # field: occupied (0/1)
DEVICE_STATUS = "device_status"  # field: online (0/1)
# Per room and local day, only over at least MIN_GROUP meetings (hub.analytics.k_anonymity).
PEOPLE_DAILY = "people_daily"  # fields: meetings, peak, median
UTILIZATION = "utilization_daily"  # fields: utilization, coverage, *_hours

MEASUREMENT_FIELDS: dict[str, tuple[str, ...]] = {
    OCCUPANCY: ("occupied",),
    DEVICE_STATUS: ("online",),
    PEOPLE_DAILY: ("meetings", "peak", "median"),
    UTILIZATION: (
        "utilization",
        "coverage",
        "occupied_hours",
        "known_hours",
        "working_hours",
        "occupied_hours_total",
        "working_day",
    ),
}


@dataclass(frozen=True, slots=True)
class TsPoint:
    """One point: measurement, tags (strings; empty ones are left out), numeric fields and
    an aware timestamp (written with millisecond precision)."""

    measurement: str
    ts: datetime
    fields: dict[str, int | float]
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None:
            raise ValueError("a point needs an aware timestamp")
        if not self.fields:
            raise ValueError(f"a {self.measurement} point needs at least one field")

    @property
    def ts_ms(self) -> int:
        """Milliseconds since the epoch (VictoriaMetrics keeps milliseconds)."""
        delta = self.ts - _EPOCH
        return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000

    @property
    def series(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Measurement and tags: with the timestamp, what makes a point unique."""
        return self.measurement, tuple(sorted((k, v) for k, v in self.tags.items() if v))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
