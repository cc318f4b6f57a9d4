"""MQTT ingest: terminal messages in, one database transaction per batch out.

- :mod:`hub.ingest.apply` decides what a batch of raw messages does to the
  database (pure logic over a session: no threads, no broker);
- :mod:`hub.ingest.service` is the plumbing: a thin paho callback feeding a
  queue, a writer thread committing batches with retries, live events after
  each commit.
"""

from hub.ingest.service import IngestService
from hub.ingest.stats import IngestStats

__all__ = ["IngestService", "IngestStats"]
