"""Ingest counters of this process, fed by the writer thread after each commit.

Counted here, in memory, not read from the ledger: a counter must only ever go up, and the
ledger may be pruned (retention); counting a table at every scrape would also cost a scan of
the largest table. Each hub worker counts what it committed; Prometheus scrapes every worker
and ``sum()`` adds them up (docs/metrics.md).
"""

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram

# Hub receipt time minus event time: sub-second when live, minutes to hours when a terminal's
# spool replays what it kept while the hub or the broker was away.
LAG_BUCKETS_S = (
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    300.0, 900.0, 3600.0, 6 * 3600.0, 24 * 3600.0,
)  # fmt: skip


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.stored = Counter(
            "quorum_ingest_messages_stored",
            "Terminal messages stored by this hub process, by message type (one type per "
            "channel, minutes has three).",
            ["type"],
            registry=registry,
        )
        self.duplicates = Counter(
            "quorum_ingest_duplicates",
            "Messages dropped because they were stored before (re-sends), or superseded.",
            registry=registry,
        )
        self.dead_letters = Counter(
            "quorum_ingest_dead_letters",
            "Messages this process could not use, kept as dead letters, by reason.",
            ["reason"],
            registry=registry,
        )
        self.lag = Histogram(
            "quorum_ingest_lag_seconds",
            "Hub receipt time minus the message's event time (terminal clock), for each "
            "sequenced message stored; negative values (a clock ahead) count as 0.",
            buckets=LAG_BUCKETS_S,
            registry=registry,
        )

    def committed(
        self,
        *,
        stored_by_type: Mapping[str, int],
        duplicates: int,
        dead_by_reason: Mapping[str, int],
        lags_s: Iterable[float],
    ) -> None:
        for type_, count in stored_by_type.items():
            self.stored.labels(type=type_).inc(count)
        if duplicates:
            self.duplicates.inc(duplicates)
        for reason, count in dead_by_reason.items():
            self.dead_letters.labels(reason=reason).inc(count)
        for lag in lags_s:
            self.lag.observe(max(0.0, lag))
