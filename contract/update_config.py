"""The ``update:`` section of a terminal's configuration: software updates (docs/fleet.md).

The terminal process only needs ``enabled`` and ``dir`` (it writes the hub's request there and
publishes the reports found there); the update guard (``python -m edge update-guard``) reads
the rest: where releases are installed, which service to restart, how long the new version
has to prove itself.
"""

from pathlib import Path

from pydantic import Field, model_validator

from contract.sensor_config import Strict
from contract.units import Duration

DEFAULT_UPDATE_DIR = "/var/lib/quorum/update"
DEFAULT_RELEASES = "/opt/quorum/releases"


class UpdateSection(Strict):
    # Off: a cmd/update is answered "failed" (updates_off) and nothing else happens.
    enabled: bool = False
    # Requests from the terminal to the guard, reports back, the health stamp, downloads.
    dir: str = Field(default=DEFAULT_UPDATE_DIR, min_length=1)
    # One slot per release (<releases>/<version>/), and the symlink to the one that runs
    # (default: <releases>/current); the service runs <current>/bin/python (docs/fleet.md).
    releases: str = Field(default=DEFAULT_RELEASES, min_length=1)
    current: str | None = Field(default=None, min_length=1)
    # The systemd unit the guard restarts; or, without systemd, a process the guard starts
    # itself from ``command`` and tracks by ``pidfile`` (containers, development, tests).
    service: str = Field(default="quorum-edge.service", min_length=1)
    pidfile: str | None = Field(default=None, min_length=1)
    # With ``pidfile``: the terminal's command line; "{current}" and "{config}" are filled in.
    command: list[str] | None = Field(default=None, min_length=1)
    # The new version must connect and report within this time after its restart...
    health_timeout: Duration = Field(default=300.0, gt=0)
    # ...and then keep running this long, or it is rolled back.
    settle: Duration = Field(default=15.0, ge=0)
    # Before switching: run "<slot>/bin/python -m edge validate <this config>" in the new slot.
    check: bool = True
    # Wheels: the package's extras, and more arguments for pip (e.g. a local wheelhouse:
    # ["--no-index", "--find-links", "/opt/quorum/wheelhouse"]).
    extras: str = Field(default="edge,pi,speech", pattern=r"^[a-z0-9_,-]*$")
    pip_args: list[str] = Field(default_factory=list)
    # Releases kept on disk (the current and the previous one are always kept).
    keep: int = Field(default=3, ge=2, le=20)
    # The CA that signed the hub's HTTPS certificate (None: the system's CAs).
    ca_file: str | None = Field(default=None, min_length=1)

    @property
    def current_link(self) -> str:
        return self.current or str(Path(self.releases) / "current")

    @model_validator(mode="after")
    def _pidfile_needs_command(self) -> "UpdateSection":
        if (self.pidfile is None) != (self.command is None):
            raise ValueError("'pidfile' and 'command' go together (a process the guard starts)")
        return self
