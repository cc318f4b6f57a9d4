"""``GET /api/v1/devices`` says where each terminal stands with its configuration."""

from datetime import timedelta

from api_world import FIRMWARE_CONFIGS, Hub

from contract.config_push import config_version
from hub.configs.sync import sync_configs
from hub.db.config_models import DeviceConfig
from hub.db.models import Device

AURORA = "term-hq-f1-aurora"


def test_devices_show_desired_running_and_the_last_answer(hub: Hub) -> None:
    before = hub.ok("/devices")
    assert {d["config"]["state"] for d in before} == {"unmanaged"}  # nothing synced yet
    with hub.session() as session:
        sync_configs(session, FIRMWARE_CONFIGS, now=hub.clock.now(), actor="cli:ops")
    desired = config_version((FIRMWARE_CONFIGS / "hq-f1-aurora.yaml").read_bytes())
    pushed_at = hub.clock.now() + timedelta(minutes=1)
    with hub.session() as session:
        session.get_one(Device, AURORA).config_version = "0123456789ab"
        row = session.get_one(DeviceConfig, AURORA)
        row.pushed_version, row.pushed_at, row.push_count = desired, pushed_at, 1
        row.reported_version, row.outcome, row.reason = desired, "rolled_back", "no_heartbeat"
        row.detail, row.running_version = "the broker took no heartbeat in 60 s", "0123456789ab"
        row.reported_at = row.report_received_at = pushed_at + timedelta(seconds=65)
    devices = {d["id"]: d for d in hub.ok("/devices")}
    config = devices[AURORA]["config"]
    assert config["state"] == "rolled_back"
    assert (config["running_version"], config["desired_version"]) == ("0123456789ab", desired)
    assert (config["source"], config["push_count"]) == ("hq-f1-aurora.yaml", 1)
    assert config["last_report"]["reason"] == "no_heartbeat"
    assert config["last_report"]["detail"] == "the broker took no heartbeat in 60 s"
    assert devices["term-hq-f1-borealis"]["config"]["state"] == "pending"
    assert hub.ok(f"/devices/{AURORA}")["config"] == config
