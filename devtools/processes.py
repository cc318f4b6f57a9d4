"""Start and stop the system's services as child processes (demo, end-to-end tests, benchmarks)."""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from devtools.broker import RunningBroker, free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    def alive(self) -> bool:
        return self.process.poll() is None

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM (a clean stop), then SIGKILL if it does not go."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: no goodbye, as when a terminal loses power."""
        if self.alive():
            self.process.kill()
            self.process.wait()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path else ""


def spawn(
    name: str, args: list[str], *, env: dict[str, str] | None = None, log_dir: Path | None = None
) -> Child:
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log" if log_dir else None
    log = log_path.open("ab") if log_path else None
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal reaches only the orchestrator
    )
    return Child(name, process, log_path, log)


@dataclass
class HubProcess:
    child: Child
    url: str
    admin_token: str
    database_path: Path  # the SQLite file (unused when database_url names another database)
    database_url: str = ""


def start_hub(
    broker: RunningBroker,
    workdir: Path,
    *,
    configs_dir: Path = ROOT / "firmware_configs",
    port: int | None = None,
    prefix: str = "quorum",
    extra_env: dict[str, str] | None = None,
    timeout: float = 60.0,
    database_url: str | None = None,
    name: str = "hub",
    admin_token: str | None = None,
    wait: bool = True,
) -> HubProcess:
    """A ``python -m hub serve`` process, by default on a SQLite file in ``workdir``.

    Several workers on one database (docs/scaling.md): give each the same ``database_url``
    (PostgreSQL) and ``admin_token`` and its own ``name`` (its log file and MQTT client id).
    ``wait=False`` returns at once; :func:`wait_hub` waits for it to answer.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    token = admin_token or secrets.token_urlsafe(32)
    database = workdir / "hub.db"
    env = {
        "QUORUM_DATABASE_URL": database_url or f"sqlite:///{database}",
        "QUORUM_CONFIGS_DIR": str(configs_dir),
        "QUORUM_MQTT_HOST": broker.host,
        "QUORUM_MQTT_PORT": str(broker.port),
        "QUORUM_MQTT_PREFIX": prefix,
        "QUORUM_MQTT_CLIENT_ID": f"quorum-{name}-{secrets.token_hex(3)}",
        "QUORUM_HOST": "127.0.0.1",
        "QUORUM_PORT": str(port),
        "QUORUM_BOOTSTRAP_TOKEN": token,
        **_master_key_env(workdir, extra_env or {}),
        **(extra_env or {}),
    }
    child = spawn(name, ["-m", "hub", "serve"], env=env, log_dir=workdir)
    hub = HubProcess(child, f"http://127.0.0.1:{port}", token, database, env["QUORUM_DATABASE_URL"])
    if wait:
        wait_hub(hub, timeout)
    return hub


_MASTER_KEY_SETTINGS = ("QUORUM_MASTER_KEY", "QUORUM_MASTER_KEY_FILE", "QUORUM_KEY_PROVIDER")


def _master_key_env(workdir: Path, extra_env: dict[str, str]) -> dict[str, str]:
    """The hub's master key (encryption at rest): the caller's or this environment's if
    either names one, else a key file of the work folder's own, made on first use. Workers
    sharing a database must share the key: name it in ``extra_env`` or the environment."""
    if any(name in extra_env or name in os.environ for name in _MASTER_KEY_SETTINGS):
        return {}
    from common.sealing.master_keys import load_or_create_key_file

    path = workdir / "master.key"
    load_or_create_key_file(path)
    return {"QUORUM_MASTER_KEY_FILE": str(path)}


def wait_hub(hub: HubProcess, timeout: float = 60.0) -> None:
    wait_http(f"{hub.url}/healthz", hub.child, timeout)


def wait_http(url: str, child: Child, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(
                f"{child.name} exited with {child.process.returncode}:\n{child.log_tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{child.name} did not answer {url} within {timeout} s:\n{child.log_tail()}")


def start_terminal(
    config: Path,
    broker: RunningBroker,
    log_dir: Path,
    *,
    scenario: str | None = None,
    speed: float = 1.0,
    start: str | None = None,
    prefix: str = "quorum",
    name: str | None = None,
    spool: Path | None = None,
    extra: list[str] | None = None,
) -> Child:
    """A terminal process; its spool lives in ``log_dir`` unless ``spool`` says otherwise.
    ``extra``: more ``edge run`` options (e.g. ``--speech-from FILE``).

    Starting it again with the same ``log_dir`` finds the same spool, as a restarted
    terminal would.
    """
    args = [
        "-m",
        "edge",
        "run",
        "--config",
        str(config),
        "--broker-host",
        broker.host,
        "--broker-port",
        str(broker.port),
        "--prefix",
        prefix,
        "--spool",
        str(spool or log_dir / f"spool-{config.stem}.sqlite"),
    ]
    if scenario is not None:
        args += ["--simulate", scenario, "--speed", str(speed)]
        if start is not None:
            args += ["--start", start]
    args += extra or []
    # Demo configs refer to a password by reference; the local broker accepts anyone.
    env = {"QUORUM_MQTT_PASSWORD": "not-a-secret-local-demo"}
    return spawn(name or f"terminal-{config.stem}", args, env=env, log_dir=log_dir)
