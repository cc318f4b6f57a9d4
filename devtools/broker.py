"""Start a local MQTT broker on a free loopback port: Mosquitto, or amqtt as a fallback.

Used by the test fixtures, the demo and the benchmarks. Mosquitto is the real
thing (MQTT 5). amqtt is a pure-Python broker that speaks only MQTT 3.1.1 and
is used when Mosquitto is not installed and cannot be (the demo's documented
reduced mode).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BrokerKind = Literal["mosquitto", "amqtt"]


class BrokerUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_mosquitto() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
    )


def install_mosquitto() -> str | None:
    """Install Mosquitto from the distribution's packages when we are root on Debian/Ubuntu."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("installing mosquitto from the distribution's packages ...", file=sys.stderr)
    for cmd in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "mosquitto", "mosquitto-clients"],
    ):
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=False).returncode != 0:
            return None
    return find_mosquitto()


@dataclass
class RunningBroker:
    kind: BrokerKind
    host: str
    port: int
    workdir: Path
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.workdir / f"{self.kind}.log"

    @property
    def protocol(self) -> Literal["5", "3.1.1"]:
        return "5" if self.kind == "mosquitto" else "3.1.1"

    def start(self, timeout: float = 15.0) -> "RunningBroker":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerUnavailable(
                    f"{self.kind} exited with {self.process.returncode}: "
                    f"{self.log_path.read_text()[-2000:]}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BrokerUnavailable(
            f"{self.kind} did not listen on {self.host}:{self.port} within {timeout} s"
        )

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), as an operator's restart would."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, the broker's in-memory queues are lost."""
        self._signal(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def reload(self) -> None:
        """SIGHUP: Mosquitto rereads its configuration, certificates and revocation list."""
        self._signal(signal.SIGHUP, wait=False)

    def _signal(self, sig: int, wait: bool = True) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        if not wait:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def mosquitto_broker(
    workdir: Path, port: int | None = None, extra_config: str = ""
) -> RunningBroker:
    binary = find_mosquitto()
    if binary is None:
        raise BrokerUnavailable("mosquitto is not installed: apt-get install mosquitto")
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = workdir / "mosquitto.conf"
    lines = [
        f"listener {port} 127.0.0.1",
        "allow_anonymous true",
        "persistence false",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "max_queued_messages 100000",
    ]
    if os.geteuid() == 0:
        # Mosquitto drops root to the 'mosquitto' user, who may not own our temp folder.
        lines.append("user root")
    config.write_text("\n".join(lines) + "\n" + extra_config)
    return RunningBroker("mosquitto", "127.0.0.1", port, workdir, [binary, "-c", str(config)])


def amqtt_broker(workdir: Path, port: int | None = None) -> RunningBroker:
    executable = shutil.which("amqtt", path=str(Path(sys.executable).parent)) or shutil.which(
        "amqtt"
    )
    if executable is None:
        raise BrokerUnavailable("amqtt is not installed: pip install 'quorum-rooms[demo]'")
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = workdir / "amqtt.yaml"
    config.write_text(
        "listeners:\n  default:\n    type: tcp\n"
        f"    bind: 127.0.0.1:{port}\n"
        "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n    allow_anonymous: true\n"
    )
    return RunningBroker("amqtt", "127.0.0.1", port, workdir, [executable, "-c", str(config)])


def start_local_broker(
    workdir: Path, *, install: bool = False, prefer: BrokerKind = "mosquitto"
) -> RunningBroker:
    """Mosquitto if present (or installable), else the embedded amqtt broker."""
    if prefer == "mosquitto" and (find_mosquitto() or (install and install_mosquitto())):
        return mosquitto_broker(workdir).start()
    return amqtt_broker(workdir).start()
