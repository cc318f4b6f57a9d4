"""What a terminal says about a software update (``update`` on ``.../events/update``).

The hub sends ``cmd/update`` (:mod:`contract.update_commands`); the terminal answers with
these reports as the update goes on. They travel through the terminal's spool like any
sequenced message and are never dropped by it, so an outcome reached while the hub was away
(a rollback, typically) still arrives.

States, in the order a terminal reports them:

- ``accepted``: the command arrived and the update guard was asked to carry it out.
- ``installed``: the release was downloaded, its SHA-256 matched, it was installed into a
  slot of its own and passed its check there; the terminal is about to switch and restart.
- ``healthy``: the new version started, connected and reported, and stayed up: done.
- ``failed``: nothing was changed (download, checksum, install or check failed, or updates
  are off); the terminal still runs ``from_version``.
- ``rolled_back``: the new version was started but did not pass its health check; the
  terminal switched back to ``from_version`` and restarted it.

``reason`` is a short code (below), ``detail`` says it for people.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

#: A release's version as the package names it ("0.2.0", "1.4.0rc1", "2026.3.1+pi"): also a
#: directory name on the terminal, so no "/" and nothing starting with ".".
Version = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$")
]

UpdateState = Literal["accepted", "installed", "healthy", "failed", "rolled_back"]
#: Why an update failed or was rolled back (``failed``, ``rolled_back``); None otherwise.
UpdateReason = Literal[
    "updates_off",  # the terminal's configuration does not allow updates (update.enabled)
    "busy",  # another update is still under way
    "download_failed",
    "sha256_mismatch",
    "install_failed",
    "check_failed",  # the new version refused the terminal's configuration, or did not import
    "no_rollback_target",  # no current release to go back to: not installed as releases
    "service_exited",  # the new version's process ended before it was healthy
    "health_timeout",  # it did not connect and report within the health timeout
    "restart_failed",  # the service manager could not restart the terminal
    # The guard itself stopped part-way (power loss) and rolled back when it started again,
    # or failed before the switch (a full disk, a bug): nothing changed then.
    "interrupted",
]
FINAL_STATES: frozenset[str] = frozenset({"healthy", "failed", "rolled_back"})


class UpdateReportData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    #: The hub's rollout this update belongs to (None: started by hand on the terminal).
    rollout: int | None = Field(default=None, ge=1, le=2**31 - 1)
    version: Version  # the version being installed
    from_version: Version | None = None  # what ran before (None: not known)
    state: UpdateState
    reason: UpdateReason | None = None
    detail: str | None = Field(default=None, max_length=500)
