"""Writing points with influxdb-client to any server speaking the InfluxDB v2 write API.

Writes are synchronous (``WriteApi`` in ``SYNCHRONOUS`` mode), one request per batch,
so the exporter knows exactly which points the server accepted before it moves a cursor.
influxdb-client's own batching mode retries in a background thread and reports failures
through callbacks after the fact; with the SQL store as the buffer we need neither.

Retries are ours: exponential backoff (``retry_interval_s`` doubling up to
``max_retry_delay_s``) for at most ``max_retries`` retries and ``retry_limit_s`` in
all. Connection errors, timeouts, 429 and 5xx are retried; other 4xx (bad token, unknown
bucket) are not, since the same request would fail the same way. When a write is given up
the points stay behind the cursor and the next pass writes them again from SQL.
"""

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from common.clock import Clock
from hub.timeseries.points import TsPoint

log = logging.getLogger(__name__)


class WriteFailed(RuntimeError):
    """The server did not accept a batch; the message says why and what to check."""

    def __init__(self, message: str, *, retryable: bool, attempts: int) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.attempts = attempts


class PointWriter(Protocol):
    def write(self, points: Sequence[TsPoint]) -> None:
        """Write all points or raise :class:`WriteFailed`."""
        ...

    def close(self) -> None: ...


#: Sleeps up to the given seconds; returns True when the exporter is stopping (give up).
Waiter = Callable[[float], bool]


class InfluxWriter:
    def __init__(
        self,
        *,
        url: str,
        token: str | None,
        org: str,
        bucket: str,
        clock: Clock,
        wait: Waiter,
        timeout_s: float = 10.0,
        max_retries: int = 5,
        retry_limit_s: float = 60.0,
        retry_interval_s: float = 1.0,
        max_retry_delay_s: float = 30.0,
    ) -> None:
        # Imported here: a hub without time series never loads influxdb-client.
        from influxdb_client import InfluxDBClient
        from influxdb_client.client.write_api import SYNCHRONOUS

        self.url = url
        self._bucket, self._org = bucket, org
        self._clock, self._wait = clock, wait
        self._max_retries = max_retries
        self._retry_limit_s = retry_limit_s
        self._retry_interval_s = retry_interval_s
        self._max_retry_delay_s = max_retry_delay_s
        # retries=False: urllib3 must not retry behind our back; we count attempts here.
        self._client = InfluxDBClient(
            url=url, token=token or "", org=org, timeout=int(timeout_s * 1000), retries=False
        )
        self._api = self._client.write_api(write_options=SYNCHRONOUS)

    def write(self, points: Sequence[TsPoint]) -> None:
        if not points:
            return
        records = [_to_point(p) for p in points]
        started = self._clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                self._post(records)
                return
            except Exception as error:  # urllib3 and influxdb-client raise many kinds
                retryable, why = _classify(error)
                elapsed = self._clock.monotonic() - started
                delay = min(self._retry_interval_s * 2 ** (attempt - 1), self._max_retry_delay_s)
                if (
                    not retryable
                    or attempt > self._max_retries
                    or elapsed + delay > self._retry_limit_s
                ):
                    raise WriteFailed(
                        f"the time-series server at {self.url} did not accept {len(points)} "
                        f"points after {attempt} attempt(s) ({elapsed:.1f} s): {why}",
                        retryable=retryable,
                        attempts=attempt,
                    ) from error
                log.debug("write to %s failed (%s); retrying in %.1f s", self.url, why, delay)
                if self._wait(delay):
                    raise WriteFailed(
                        f"stopped while retrying a write to {self.url}: {why}",
                        retryable=True,
                        attempts=attempt,
                    ) from error

    def _post(self, records: list[object]) -> None:
        from influxdb_client import WritePrecision

        self._api.write(
            bucket=self._bucket,
            org=self._org,
            record=records,
            # The constant is a str; the library's annotation says WritePrecision.
            write_precision=WritePrecision.MS,  # type: ignore[arg-type]
        )

    def close(self) -> None:
        self._api.close()
        self._client.close()


def _to_point(p: TsPoint) -> object:
    from influxdb_client import Point, WritePrecision

    point = Point(p.measurement)
    for key, value in sorted(p.tags.items()):
        if value:
            point.tag(key, value)
    for key, number in p.fields.items():
        point.field(key, number)
    return point.time(p.ts_ms, WritePrecision.MS)


def _classify(error: Exception) -> tuple[bool, str]:
    """(retryable, a short reason for the log)."""
    status = getattr(error, "status", None)
    if isinstance(status, int) and status > 0:
        body = getattr(error, "body", None)
        detail = f": {body.decode(errors='replace')[:200]}" if isinstance(body, bytes) else ""
        if status == 429 or status >= 500:
            return True, f"HTTP {status}{detail}"
        hint = {
            401: " (check QUORUM_TIMESERIES_TOKEN)",
            403: " (the token may not write to this bucket)",
            404: " (check QUORUM_TIMESERIES_ORG, QUORUM_TIMESERIES_BUCKET and the URL)",
        }.get(status, "")
        return False, f"HTTP {status}{hint}{detail}"
    reason = getattr(error, "reason", None)  # urllib3's MaxRetryError wraps the real one
    shown = reason if isinstance(reason, Exception) else error
    return True, f"unreachable ({type(shown).__name__}: {shown})"
