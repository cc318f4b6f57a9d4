"""Everything a new broker needs, made once: ``python -m hub broker init --dir DIR``.

Writes into an empty folder:

- ``ca.crt``, ``ca.key``: the CA that signs the broker's and terminals' certificates;
- ``server.crt``, ``server.key``: the broker's certificate for the names given;
- ``crl.pem``: the (empty) revocation list of the client-certificate listener;
- ``dynamic-security.json``: the plugin's first file, with the admin, hub and Home Assistant
  accounts;
- ``hub.env``: the hub's settings for all of it, passwords included (``QUORUM_*``);
- ``homeassistant.password``: the password of Home Assistant's account (docs/homeassistant.md).

Keys, the plugin file, ``hub.env`` and ``homeassistant.password`` are written with mode 0600.
Passwords are random and appear in those two files only (``dynamic-security.json`` holds
their PBKDF2 hashes).
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from hub.devices import dynsec
from hub.devices.crl import write_crl
from hub.devices.pki import new_ca, server_certificate, write_private
from hub.homeassistant.topics import DEFAULT_DISCOVERY_PREFIX

FILES = (
    "ca.crt",
    "ca.key",
    "server.crt",
    "server.key",
    "crl.pem",
    "dynamic-security.json",
    "hub.env",
    "homeassistant.password",
)
# As QUORUM_HOMEASSISTANT_DISCOVERY_PREFIX accepts it (hub/settings.py).
DISCOVERY_PREFIX = re.compile(r"^[^/+#\s]+(/[^/+#\s]+)*$")
PASSWORD_PORT = 8883
CERT_PORT = 8884


class BrokerInitError(Exception):
    pass


@dataclass(frozen=True)
class BrokerInit:
    directory: Path
    hostnames: list[str]
    prefix: str
    admin_username: str
    admin_password: str = field(repr=False)
    hub_username: str
    hub_password: str = field(repr=False)
    homeassistant_username: str
    homeassistant_password: str = field(repr=False)
    discovery_prefix: str

    def path(self, name: str) -> Path:
        return self.directory / name

    def hub_settings(self) -> dict[str, str]:
        """The hub's QUORUM_* settings for this broker (what ``hub.env`` holds)."""
        settings = {
            "QUORUM_MQTT_HOST": self.hostnames[0],
            "QUORUM_MQTT_PORT": str(PASSWORD_PORT),
            "QUORUM_MQTT_PREFIX": self.prefix,
            "QUORUM_MQTT_TLS": "true",
            "QUORUM_MQTT_CA_FILE": str(self.path("ca.crt")),
            "QUORUM_MQTT_USERNAME": self.hub_username,
            "QUORUM_MQTT_PASSWORD": self.hub_password,
            "QUORUM_BROKER_ADMIN_USERNAME": self.admin_username,
            "QUORUM_BROKER_ADMIN_PASSWORD": self.admin_password,
            "QUORUM_DEVICES_MQTT_HOST": self.hostnames[0],
            "QUORUM_DEVICES_MQTT_PORT": str(PASSWORD_PORT),
            "QUORUM_DEVICES_MQTT_CERT_PORT": str(CERT_PORT),
            "QUORUM_DEVICES_CA_KEY_FILE": str(self.path("ca.key")),
            "QUORUM_DEVICES_CRL_FILE": str(self.path("crl.pem")),
        }
        if self.discovery_prefix != DEFAULT_DISCOVERY_PREFIX:  # the roles were made for it
            settings["QUORUM_HOMEASSISTANT_DISCOVERY_PREFIX"] = self.discovery_prefix
        return settings


def init_broker(
    directory: Path,
    hostnames: list[str],
    *,
    prefix: str = "quorum",
    admin_username: str = dynsec.DEFAULT_ADMIN,
    hub_username: str = dynsec.DEFAULT_HUB,
    homeassistant_username: str = dynsec.DEFAULT_HOMEASSISTANT,
    discovery_prefix: str = DEFAULT_DISCOVERY_PREFIX,
) -> BrokerInit:
    if not hostnames:
        raise BrokerInitError("name the broker's host with --hostname (one or more)")
    if len({admin_username, hub_username, homeassistant_username}) < 3:
        raise BrokerInitError("the admin, hub and Home Assistant accounts need different names")
    if not DISCOVERY_PREFIX.match(discovery_prefix):
        raise BrokerInitError(
            f"discovery prefix {discovery_prefix!r}: topic levels without +, # or spaces"
        )
    directory = directory.resolve()
    present = [name for name in FILES if (directory / name).exists()]
    if present:
        raise BrokerInitError(
            f"{directory} already holds {', '.join(present)}: choose an empty folder "
            "(nothing was overwritten)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    made = BrokerInit(
        directory=directory,
        hostnames=list(hostnames),
        prefix=prefix,
        admin_username=admin_username,
        admin_password=dynsec.new_password(),
        hub_username=hub_username,
        hub_password=dynsec.new_password(),
        homeassistant_username=homeassistant_username,
        homeassistant_password=dynsec.new_password(),
        discovery_prefix=discovery_prefix,
    )
    ca = new_ca()
    ca.write(made.path("ca.crt"), made.path("ca.key"))
    server_certificate(ca, made.hostnames).write(made.path("server.crt"), made.path("server.key"))
    write_crl(made.path("crl.pem"), ca, set())
    plugin_file = dynsec.initial_config(
        prefix=prefix,
        admin_password=made.admin_password,
        hub_password=made.hub_password,
        admin_username=admin_username,
        hub_username=hub_username,
        homeassistant_password=made.homeassistant_password,
        homeassistant_username=homeassistant_username,
        discovery_prefix=discovery_prefix,
    )
    write_private(made.path("dynamic-security.json"), json.dumps(plugin_file, indent=2).encode())
    lines = [f"{key}={value}" for key, value in made.hub_settings().items()]
    header = "# The hub's broker settings, written by 'python -m hub broker init'. Secret.\n"
    write_private(made.path("hub.env"), (header + "\n".join(lines) + "\n").encode())
    ha_password = (made.homeassistant_password + "\n").encode()
    write_private(made.path("homeassistant.password"), ha_password)
    return made
