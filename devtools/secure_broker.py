"""Mosquitto with the shipped configuration (deploy/mosquitto/quorum.conf), for tests.

What a new operator does, in a temporary folder: ``python -m hub broker init`` makes the CA,
the broker's certificate, the revocation list, the dynamic-security file and the hub's
settings; the deploy file is included from a main file like Debian's, with only its paths
and port numbers changed (to the temporary folder and free loopback ports). A test thus
runs the configuration we ship, and fails when the shipped file and this renderer drift
apart (every substitution must find its text).
"""

import glob
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from devtools.broker import BrokerUnavailable, RunningBroker, find_mosquitto, free_port
from hub.devices.broker_init import BrokerInit, init_broker

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_CONFIG = ROOT / "deploy" / "mosquitto" / "quorum.conf"
DEPLOY_ETC = "/etc/mosquitto/quorum/"
DEPLOY_DYNSEC = "/var/lib/mosquitto/quorum-dynsec.json"
DEPLOY_PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"
PASSWORD_PORT, CERT_PORT = 8883, 8884


def find_dynsec_plugin() -> str | None:
    found = sorted(glob.glob("/usr/lib/*/mosquitto_dynamic_security.so"))
    found += [
        p
        for p in (
            "/usr/lib/mosquitto_dynamic_security.so",
            "/usr/local/lib/mosquitto_dynamic_security.so",
        )
        if Path(p).exists()
    ]
    return found[0] if found else None


def render_deploy_config(
    text: str, *, etc_dir: Path, dynsec_file: Path, plugin: str, ports: dict[int, int]
) -> str:
    """The deploy file with its paths and listener ports replaced; nothing else changes."""
    for old, new in (
        (DEPLOY_PLUGIN, plugin),
        (DEPLOY_DYNSEC, str(dynsec_file)),
        (DEPLOY_ETC, f"{etc_dir}/"),
    ):
        if old not in text:
            raise ValueError(f"{DEPLOY_CONFIG} no longer names {old}: update {__name__}")
        text = text.replace(old, new)
    for deployed, port in ports.items():
        line = re.compile(rf"^listener {deployed}$", re.MULTILINE)
        if not line.search(text):
            raise ValueError(f"{DEPLOY_CONFIG} has no 'listener {deployed}': update {__name__}")
        text = line.sub(f"listener {port} 127.0.0.1", text)
    return text


@dataclass
class SecuredBroker:
    """The running broker (``broker.port``: the password listener) and its set-up files."""

    broker: RunningBroker
    cert_port: int
    setup: BrokerInit

    @property
    def host(self) -> str:
        return "localhost"  # the server certificate's name: host names are verified

    @property
    def port(self) -> int:
        return self.broker.port

    @property
    def ca_file(self) -> Path:
        return self.setup.path("ca.crt")


def secured_mosquitto(workdir: Path) -> SecuredBroker:
    """Set up (not start) a broker as deploy/mosquitto/README.md describes."""
    binary = find_mosquitto()
    plugin = find_dynsec_plugin()
    if binary is None or plugin is None:
        raise BrokerUnavailable(
            "mosquitto with its dynamic security plugin is needed: apt-get install mosquitto"
        )
    setup = init_broker(workdir / "install", ["localhost", "127.0.0.1"])
    var_dir = workdir / "var"
    conf_dir = workdir / "conf.d"
    var_dir.mkdir(parents=True)
    conf_dir.mkdir()
    dynsec_file = var_dir / "quorum-dynsec.json"
    shutil.copyfile(setup.path("dynamic-security.json"), dynsec_file)
    port, cert_port = free_port(), free_port()
    (conf_dir / "quorum.conf").write_text(
        render_deploy_config(
            DEPLOY_CONFIG.read_text(),
            # The hub and the broker share the folder: a revocation list the hub writes is
            # the one the broker rereads.
            etc_dir=setup.directory,
            dynsec_file=dynsec_file,
            plugin=plugin,
            ports={PASSWORD_PORT: port, CERT_PORT: cert_port},
        )
    )
    # Like Debian's /etc/mosquitto/mosquitto.conf, which includes conf.d/.
    main = [
        "persistence true",
        f"persistence_location {var_dir}/",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
    ]
    if os.geteuid() == 0:
        main.append("user root")  # Mosquitto would drop to 'mosquitto', who cannot read tmp
    main.append(f"include_dir {conf_dir}")
    config = workdir / "mosquitto.conf"
    config.write_text("\n".join(main) + "\n")
    running = RunningBroker("mosquitto", "127.0.0.1", port, workdir, [binary, "-c", str(config)])
    return SecuredBroker(running, cert_port, setup)
