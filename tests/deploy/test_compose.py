"""deploy/compose/compose.yaml against the hub's settings and the shipped broker config.

No Docker engine runs here: the file is read with PyYAML and checked for what a typo would
break at 'docker compose up' time (unknown QUORUM_* names, values Settings refuses, ports,
host names, mounts, volumes, health checks). Whether the images build and start is not
checked here.
"""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "deploy" / "compose"
DEPLOY_MOSQUITTO = ROOT / "deploy" / "mosquitto" / "quorum.conf"
SERVICES = {"hub", "mosquitto", "postgres", "influxdb", "grafana"}
#: Bind-mount sources the operator makes (docs/operations.md), not shipped in the repository.
MADE_BY_OPERATOR = {"./broker"}
#: Where each service keeps its data (a named volume must be mounted there).
DATA_DIRS = {
    "hub": "/var/lib/quorum",
    "mosquitto": "/var/lib/mosquitto",
    "postgres": "/var/lib/postgresql/data",
    "influxdb": "/var/lib/influxdb2",
    "grafana": "/var/lib/grafana",
}
INTERPOLATION = re.compile(r"\$\{([A-Z_]+)(?::\?[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text())
    return loaded


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment with ${VAR} interpolations replaced by a stand-in."""
    env = service.get("environment", {})
    assert isinstance(env, dict), "write environment: as a mapping"
    return {key: INTERPOLATION.sub(r"\1-value", str(value)) for key, value in env.items()}


def env_file_lines(name: str) -> dict[str, str]:
    lines = (COMPOSE_DIR / name).read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {key: value for key, value in pairs}


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> source of every volume and bind mount."""
    found = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        found[target] = source
    return found


def published(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port."""
    pairs = (str(p).split(":") for p in service.get("ports", []))
    return {int(container): int(host) for host, container in pairs}


def settings_names() -> set[str]:
    return {f"QUORUM_{name.upper()}" for name in Settings.model_fields}


def test_the_five_services_and_their_data_volumes(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == SERVICES
    named = set(compose["volumes"])
    for name, data_dir in DATA_DIRS.items():
        source = mounts(compose["services"][name]).get(data_dir)
        assert source in named, f"{name}: {data_dir} must be a named volume, not {source}"


def test_every_service_has_a_healthcheck_and_the_hub_waits_for_them(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        assert service["restart"] == "unless-stopped", name
    waits = services["hub"]["depends_on"]
    assert waits == {
        s: {"condition": "service_healthy"} for s in ("postgres", "mosquitto", "influxdb")
    }


def test_every_quorum_setting_exists_and_is_valid(compose: dict[str, Any]) -> None:
    env = environment(compose["services"]["hub"])
    extra = env_file_lines("hub.env.example")
    names = settings_names()
    for key in [*env, *extra]:
        if key.startswith("QUORUM_"):
            assert key in names, f"{key} is not a hub setting (hub/settings.py)"
    values = {k.removeprefix("QUORUM_").lower(): v for k, v in {**extra, **env}.items()}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    assert settings.mqtt_tls is True
    # No other service's environment sets QUORUM_* names.
    for name, service in compose["services"].items():
        if name != "hub":
            assert not any(k.startswith("QUORUM_") for k in environment(service)), name


def test_the_hub_listens_where_it_is_published(compose: dict[str, Any]) -> None:
    hub = compose["services"]["hub"]
    env = environment(hub)
    assert env["QUORUM_HOST"] == "0.0.0.0"  # reachable from outside its container
    assert int(env["QUORUM_PORT"]) in published(hub)
    assert f":{env['QUORUM_PORT']}/healthz" in " ".join(hub["healthcheck"]["test"])


def test_the_hub_reaches_the_other_services_by_name_and_port(compose: dict[str, Any]) -> None:
    services = compose["services"]
    env = environment(services["hub"])
    database = urlsplit(env["QUORUM_DATABASE_URL"])
    postgres = environment(services["postgres"])
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert database.username == postgres["POSTGRES_USER"]
    assert database.path == f"/{postgres['POSTGRES_DB']}"
    assert database.password == postgres["POSTGRES_PASSWORD"]  # the same ${POSTGRES_PASSWORD}

    timeseries = urlsplit(env["QUORUM_TIMESERIES_URL"])
    influx = environment(services["influxdb"])
    assert (timeseries.hostname, timeseries.port) == ("influxdb", 8086)
    assert env["QUORUM_TIMESERIES_ORG"] == influx["DOCKER_INFLUXDB_INIT_ORG"]
    assert env["QUORUM_TIMESERIES_BUCKET"] == influx["DOCKER_INFLUXDB_INIT_BUCKET"]
    assert env["QUORUM_TIMESERIES_TOKEN"] == influx["DOCKER_INFLUXDB_INIT_ADMIN_TOKEN"]

    assert env["QUORUM_MQTT_HOST"] == "mosquitto"
    listeners = [int(p) for p in re.findall(r"^listener (\d+)", DEPLOY_MOSQUITTO.read_text(), re.M)]
    assert int(env["QUORUM_MQTT_PORT"]) in listeners
    assert sorted(published(services["mosquitto"])) == sorted(listeners)


def test_the_broker_runs_the_shipped_configuration(compose: dict[str, Any]) -> None:
    mosquitto = compose["services"]["mosquitto"]
    mounted = mounts(mosquitto)
    source = mounted["/etc/mosquitto/conf.d/quorum.conf"]
    assert (COMPOSE_DIR / source).resolve() == DEPLOY_MOSQUITTO
    conf = DEPLOY_MOSQUITTO.read_text()
    entrypoint = (COMPOSE_DIR / "mosquitto-entrypoint.sh").read_text()
    # Every file the config names under /etc/mosquitto/quorum/ is installed by the entrypoint
    # from the broker init folder, which is mounted at /broker.
    assert mounted["/broker"] == "./broker"
    for name in set(re.findall(r"/etc/mosquitto/quorum/(\S+)", conf)):
        assert f"/broker/{name}" in entrypoint, name
    # The plugin's accounts file lives in the data volume.
    dynsec = re.search(r"^plugin_opt_config_file (\S+)", conf, re.M)
    assert dynsec and dynsec.group(1).startswith("/var/lib/mosquitto/")
    assert dynsec.group(1) in entrypoint
    plugin = re.search(r"^plugin (\S+)", conf, re.M)
    assert plugin and plugin.group(1) in (COMPOSE_DIR / "mosquitto.Dockerfile").read_text()


def test_mounted_files_exist_and_dockerfiles_are_where_compose_looks(
    compose: dict[str, Any],
) -> None:
    for name, service in compose["services"].items():
        for target, source in mounts(service).items():
            if source.startswith(".") and source not in MADE_BY_OPERATOR:
                assert (COMPOSE_DIR / source).exists(), f"{name}: {source} -> {target}"
        if "build" in service:
            build = service["build"]
            assert (COMPOSE_DIR / build["context"] / build["dockerfile"]).is_file(), name
    hub_image = (COMPOSE_DIR / "hub.Dockerfile").read_text()
    assert '".[hub,postgres]"' in hub_image
    assert 'CMD ["/opt/quorum/venv/bin/python", "-m", "hub", "serve"]' in hub_image
    for package in ("contract", "common", "hub", "speech"):
        assert f"COPY {package} {package}" in hub_image, package


def test_grafana_reads_the_bucket_the_hub_writes(compose: dict[str, Any]) -> None:
    grafana = compose["services"]["grafana"]
    source = mounts(grafana)["/etc/grafana/provisioning/datasources/quorum.yaml"]
    datasource = yaml.safe_load((COMPOSE_DIR / source).read_text())["datasources"][0]
    hub = environment(compose["services"]["hub"])
    assert datasource["url"] == hub["QUORUM_TIMESERIES_URL"]
    assert datasource["jsonData"]["organization"] == hub["QUORUM_TIMESERIES_ORG"]
    assert datasource["jsonData"]["defaultBucket"] == hub["QUORUM_TIMESERIES_BUCKET"]
    token_var = datasource["secureJsonData"]["token"].lstrip("$")
    assert token_var in environment(grafana)


def test_the_secrets_file_names_every_interpolated_variable() -> None:
    used = set(INTERPOLATION.findall((COMPOSE_DIR / "compose.yaml").read_text()))
    assert used == set(env_file_lines(".env.example"))
