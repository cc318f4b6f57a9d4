"""The hub's software-update command to one terminal (``.../cmd/update``, QoS 1, never retained).

``url`` is where the terminal downloads the release: the hub's download endpoint with a
random token of this terminal's own in the path, valid for a limited time (docs/fleet.md).
The terminal trusts the artifact only if its SHA-256 equals ``sha256`` and its size
``size_bytes``, so integrity does not depend on the transport. ``health_timeout_s``: how
long the new version has, after its restart, to connect and report before it is rolled back
(the terminal's own ``update.health_timeout`` applies when it is longer).

A terminal already running ``version`` answers ``healthy`` at once, so a repeated command
is harmless; one with an update under way answers ``failed`` / ``busy``.
"""

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from contract import CONTRACT_VERSION
from contract.commands import _decode, _encode, _Frozen
from contract.update_data import Version

UPDATE_TARGET = "update"
MAX_URL = 2000
#: Largest release a terminal accepts (a wheel is a few MB; a bundle with its dependencies more).
MAX_RELEASE_BYTES = 2 * 1024**3


class UpdateCommand(_Frozen):
    type: Literal["update"] = "update"
    rollout: int = Field(ge=1, le=2**31 - 1)
    version: Version
    url: str = Field(min_length=8, max_length=MAX_URL, pattern=r"^https?://\S+$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=1, le=MAX_RELEASE_BYTES)
    #: The artifact's file name (its suffix says how to install it: .whl, .tar.gz).
    filename: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
    health_timeout_s: float = Field(default=300.0, gt=0, le=3600)


class _UpdateEnvelope(_Frozen):
    v: int = CONTRACT_VERSION
    ts: AwareDatetime
    command: UpdateCommand


def encode_update_command(command: UpdateCommand, ts: datetime | None = None) -> bytes:
    return _encode(_UpdateEnvelope(ts=ts or datetime.now(UTC), command=command))


def decode_update_command(payload: bytes) -> UpdateCommand:
    """Parse an update command, or raise ContractError (the terminal logs and ignores it)."""
    command: UpdateCommand = _decode(_UpdateEnvelope, payload).command
    return command
