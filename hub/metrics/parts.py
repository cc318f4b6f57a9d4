"""Figures of this hub process, read from its running parts at scrape time.

The ingest consumer's tally (received, replays asked for, queue depth, broker connection) and
the Home Assistant bridge's status are kept by those parts anyway (they back
``GET /api/v1/ingest/stats``); this collector only turns them into Prometheus families.
Per worker, like the counters in hub/metrics/ingest.py.
"""

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.homeassistant.service import BridgeStatus

Family = CounterMetricFamily | GaugeMetricFamily


class PartsCollector(Collector):
    def __init__(
        self,
        ingest: Callable[[], Any | None],
        bridge: Callable[[], BridgeStatus | None],
    ) -> None:
        # Getters, not objects: the app builds the parts after the registry.
        self._ingest = ingest
        self._bridge = bridge

    def collect(self) -> Iterator[Family]:
        yield from self._ingest_families()
        yield from self._bridge_families()

    def _ingest_families(self) -> Iterator[Family]:
        ingest = self._ingest()
        running = GaugeMetricFamily(
            "quorum_ingest_running", "1 when this process runs the MQTT consumer."
        )
        running.add_metric([], 0.0 if ingest is None else 1.0)
        yield running
        if ingest is None:
            return
        stats = ingest.stats()
        yield CounterMetricFamily(
            "quorum_ingest_received",
            "Messages this process received from the broker (before decoding).",
            value=stats.received,
        )
        yield CounterMetricFamily(
            "quorum_ingest_replays_requested",
            "Replays of missing sequence ranges this process asked terminals for.",
            value=stats.replays_requested,
        )
        yield GaugeMetricFamily(
            "quorum_ingest_queue_depth",
            "Messages received and not yet committed.",
            value=stats.queue_depth,
        )
        yield GaugeMetricFamily(
            "quorum_ingest_connected",
            "1 while the consumer is connected to the broker.",
            value=1.0 if stats.connected else 0.0,
        )

    def _bridge_families(self) -> Iterator[Family]:
        status = self._bridge()
        if status is None:
            return
        yield GaugeMetricFamily(
            "quorum_homeassistant_leader",
            "1 when this worker's Home Assistant bridge is the one publishing.",
            value=1.0 if status.leader else 0.0,
        )
        yield GaugeMetricFamily(
            "quorum_homeassistant_connected",
            "1 while the publishing bridge is connected to the broker.",
            value=1.0 if status.connected else 0.0,
        )
        syncs = CounterMetricFamily(
            "quorum_homeassistant_full_syncs",
            "Times everything was published again: reason connect (after every (re)connect) "
            "or ha_online (Home Assistant announced itself).",
            labels=["reason"],
        )
        for reason in ("connect", "ha_online"):
            syncs.add_metric([reason], status.full_syncs.get(reason, 0))
        yield syncs
        published = CounterMetricFamily(
            "quorum_homeassistant_messages",
            "Retained messages the bridge published: configs, states, removed (entities of "
            "rooms or terminals no longer in the hub).",
            labels=["kind"],
        )
        for kind in ("configs", "states", "removed"):
            published.add_metric([kind], status.published.get(kind, 0))
        yield published
