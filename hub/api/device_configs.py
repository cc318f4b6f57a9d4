"""The configuration part of ``GET /api/v1/devices`` (hub/configs, docs/fleet.md)."""

from typing import Literal

from pydantic import BaseModel, Field

from hub.api.common import UtcTime
from hub.configs.state import PushPolicy, config_view
from hub.db.config_models import DeviceConfig


class ConfigReportOut(BaseModel):
    version: str = Field(description="The pushed configuration the answer is about.")
    outcome: Literal["applied", "rejected", "rolled_back"]
    reason: str | None = Field(
        description="Why it was rejected or rolled back (docs/contract.md, `config`): invalid, "
        "wrong_terminal, no_config_file, not_writable, setup_failed, broker_unreachable, "
        "no_heartbeat, interrupted."
    )
    detail: str | None = Field(description="The same, for people.")
    running_version: str | None = Field(description="What the terminal ran after it.")
    at: UtcTime = Field(description="Event time of the answer (the terminal's clock).")


class DeviceConfigOut(BaseModel):
    state: Literal[
        "unmanaged", "in_sync", "pending", "pushed", "rejected", "rolled_back", "no_answer"
    ] = Field(description="Where the terminal stands with its configuration (docs/fleet.md).")
    running_version: str | None = Field(description="What its status says it runs.")
    desired_version: str | None = Field(description="What it should run (configs sync).")
    source: str | None = Field(description="The file it comes from.")
    synced_at: UtcTime | None
    pushed_at: UtcTime | None
    push_count: int = Field(description="Pushes of the desired version so far.")
    last_report: ConfigReportOut | None = Field(description="Its newest answer to a push.")


def config_out(
    row: DeviceConfig | None, running_version: str | None, policy: PushPolicy
) -> DeviceConfigOut:
    return DeviceConfigOut.model_validate(config_view(row, running_version, policy))
