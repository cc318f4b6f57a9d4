"""``GET /metrics`` for Prometheus (docs/metrics.md).

- :mod:`hub.metrics.ingest`: counters of this process, fed by ingest after each commit;
- :mod:`hub.metrics.parts`: figures of the running consumer and Home Assistant bridge;
- :mod:`hub.metrics.state`: gauges read from the database at scrape time;
- :mod:`hub.metrics.endpoint`: the registry and the token-protected route.
"""
