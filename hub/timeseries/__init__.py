"""Time series: occupancy, people counts and daily utilization written to a server that
speaks the InfluxDB v2 write API (InfluxDB 2, VictoriaMetrics, ...), for Grafana.

The SQL store stays the source of truth. Each kind of row (a :class:`~hub.timeseries.
sources.Source`) has a durable cursor in ``timeseries_cursors`` that advances only after
the server accepted the points, so nothing is lost while the server is down or the hub
restarts: the next pass backfills from SQL (docs/timeseries.md).

Modules: ``points`` (what a point is), ``org`` (tags from the organisation tables),
``sources`` (rows -> points), ``cursors`` (durable and in-memory cursors), ``writer``
(influxdb-client, retries), ``exporter`` (one pass over every source), ``service``
(the background thread and the one-exporter-at-a-time lock).
"""

from hub.timeseries.exporter import Exporter, PassResult
from hub.timeseries.points import TsPoint
from hub.timeseries.service import TimeSeriesService, build_service

__all__ = ["Exporter", "PassResult", "TimeSeriesService", "TsPoint", "build_service"]
