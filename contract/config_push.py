"""Configuration push: what names a configuration, and what the terminal says about one.

The hub keeps each terminal's *desired* configuration, the text of its file in
``firmware_configs/`` (``python -m hub configs sync``), and pushes it on ``cmd/config``
(:class:`contract.commands.ConfigCommand`). The terminal validates it, applies it, checks
that it works and reports the outcome with a ``config`` message on ``events/config``
(:class:`ConfigReportData`); its status and heartbeats name the version it runs.

A version is the first 12 hex digits of the SHA-256 of the file's bytes: the same file gives
the same version on the hub and on the terminal, whatever either does with it.
"""

import hashlib
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: 12 lowercase hex digits: see :func:`config_version`.
VERSION_PATTERN = r"^[0-9a-f]{12}$"
ConfigVersion = Annotated[str, Field(pattern=VERSION_PATTERN)]
#: A pushed configuration file's largest size (UTF-8 bytes); the shipped ones are ~1 KiB.
MAX_CONFIG_BYTES = 64 * 1024
MAX_DETAIL_CHARS = 1000

#: ``applied``: the terminal runs it (its status and heartbeats name it from now on);
#: ``rejected``: it was not valid for this terminal, nothing changed; ``rolled_back``: it
#: was valid but did not work (sensors, broker), and the terminal went back to what it ran.
ConfigOutcome = Literal["applied", "rejected", "rolled_back"]
#: Why a configuration was rejected or rolled back; ``detail`` says it for people.
ConfigReason = Literal[
    "invalid",  # not a valid terminal configuration (the detail names field and line)
    "wrong_terminal",  # made for another terminal or room, or another topic prefix
    "no_config_file",  # the terminal runs without a file (--session): nothing to replace
    "not_writable",  # the terminal cannot write next to its configuration file
    "setup_failed",  # credentials, TLS files, sensors or the spool could not be set up
    "broker_unreachable",  # no connection to the broker with the new settings in time
    "no_heartbeat",  # connected, but its first heartbeat was not acknowledged in time
    "interrupted",  # the terminal was stopped while trying it
]


def config_version(content: bytes) -> str:
    """The version of a configuration file's bytes (the hub's and the terminal's alike)."""
    return hashlib.sha256(content).hexdigest()[:12]


class ConfigReportData(BaseModel):
    """The terminal's answer to a pushed configuration (``config`` on ``events/config``).

    ``version`` is the pushed configuration's; ``running_version`` the one the terminal runs
    after the attempt (``version`` when applied, the previous one otherwise; None when it
    runs without a configuration file). ``reason`` says why it was rejected or rolled back
    (a code), ``detail`` the same for people.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    version: ConfigVersion
    outcome: ConfigOutcome
    reason: ConfigReason | None = None
    detail: str | None = Field(default=None, max_length=MAX_DETAIL_CHARS)
    running_version: ConfigVersion | None = None

    @model_validator(mode="after")
    def _reason_goes_with_failure(self) -> "ConfigReportData":
        if (self.outcome == "applied") != (self.reason is None):
            raise ValueError("a reason goes with 'rejected' and 'rolled_back', and only with them")
        return self
