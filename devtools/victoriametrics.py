"""Start a local VictoriaMetrics on a free loopback port, for tests of the time-series export.

VictoriaMetrics (Debian package ``victoria-metrics``) accepts InfluxDB line protocol at
``/api/v2/write``, the InfluxDB v2 write API that influxdb-client speaks, and hands every
raw sample back from ``/api/v1/export``, so a test can check exactly which points arrived,
duplicates included. Like devtools.broker: a temporary data folder, a free port, stop and
start again on the same port and data (the server "down for a while"), a clear error
when the binary is missing.

Deduplication is off by default, so a point written twice shows up twice in the export;
production servers should run with ``-dedup.minScrapeInterval=1ms`` (docs/timeseries.md).
"""

import json
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.broker import free_port

PACKAGE = "victoria-metrics"


class VictoriaMetricsUnavailable(RuntimeError):
    pass


def find_victoria_metrics() -> str | None:
    return shutil.which("victoria-metrics") or next(
        (
            p
            for p in ("/usr/bin/victoria-metrics", "/usr/local/bin/victoria-metrics")
            if Path(p).exists()
        ),
        None,
    )


@dataclass
class Series:
    """One exported series: its labels (``__name__`` is ``<measurement>_<field>``) and samples."""

    metric: dict[str, str]
    values: list[float]
    timestamps: list[int]  # milliseconds

    @property
    def name(self) -> str:
        return self.metric.get("__name__", "")


@dataclass
class RunningVictoriaMetrics:
    binary: str
    workdir: Path
    port: int
    host: str = "127.0.0.1"
    extra_args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """What QUORUM_TIMESERIES_URL would be set to."""
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "victoria-metrics.log"

    def start(self, timeout: float = 20.0) -> "RunningVictoriaMetrics":
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            self.binary,
            f"-storageDataPath={self.workdir / 'data'}",
            f"-httpListenAddr={self.host}:{self.port}",
            # Tests write points from any time; the default retention (1 month) would drop
            # older ones silently.
            "-retentionPeriod=100y",
            "-loggerLevel=WARN",
            *self.extra_args,
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise VictoriaMetricsUnavailable(
                    f"victoria-metrics exited with {self.process.returncode}: "
                    f"{self.log_path.read_text(errors='replace')[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        self.kill()
        raise VictoriaMetricsUnavailable(
            f"victoria-metrics did not answer on {self.url} in {timeout} s"
        )

    def stop(self) -> None:
        """SIGTERM: flushes and exits, as an operator's restart would."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _get(self, path: str, params: list[tuple[str, str]] | None = None) -> bytes:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{path}{query}", timeout=10) as response:
            body: bytes = response.read()
            return body

    def flush(self) -> None:
        """Make every point written so far visible to the export API."""
        self._get("/internal/force_flush")

    def export(self, match: str = '{__name__!=""}') -> list[Series]:
        """Every raw sample of the series matching ``match`` (a series selector)."""
        self.flush()
        body = self._get("/api/v1/export", [("match[]", match), ("start", "0")])
        out = []
        for line in body.decode().splitlines():
            if line.strip():
                row: dict[str, Any] = json.loads(line)
                out.append(Series(row["metric"], row["values"], row["timestamps"]))
        return out


def victoria_metrics(
    workdir: Path, port: int | None = None, extra_args: list[str] | None = None
) -> RunningVictoriaMetrics:
    """A VictoriaMetrics not yet started (``.start()``), with its data in ``workdir``."""
    binary = find_victoria_metrics()
    if binary is None:
        raise VictoriaMetricsUnavailable(
            f"victoria-metrics is not installed: apt-get install {PACKAGE} "
            "(./dev test installs it when run as root)"
        )
    return RunningVictoriaMetrics(binary, workdir, port or free_port(), extra_args=extra_args or [])


if __name__ == "__main__":  # a quick manual check: start, print the URL, wait for Ctrl-C
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        server = victoria_metrics(Path(folder)).start()
        print(server.url, flush=True)
        try:
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        finally:
            server.stop()
