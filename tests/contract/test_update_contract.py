"""Software updates in the contract: the hub's ``cmd/update`` and the terminal's ``update``
reports (golden files in golden/update_*.json; docs/contract.md shows the same)."""

from pathlib import Path

import orjson
import pytest

from contract.messages import ContractError, Reason
from contract.update_commands import decode_update_command, encode_update_command

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract.md"
EXAMPLE = (
    '{"v": 1, "ts": "2026-11-28T02:14:00Z", "command": {"type": "update", "rollout": 7, '
    '"version": "0.2.0", "url": "https://hub.example.org/releases/download/'
    'q3Vx0mJ8c2Zl7Yt1bK9wR4nA6dE5fH2gL0pS8uT7iO4", "sha256": '
    '"9f2c4be1d2a5c3e8f70b6a1d4c9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170", "size_bytes": '
    '48213, "filename": "quorum_rooms-0.2.0-py3-none-any.whl", "health_timeout_s": 300.0}}'
)


def test_the_documented_update_command_decodes() -> None:
    assert EXAMPLE in DOCS.read_text(), "docs/contract.md must show this example"
    command = decode_update_command(EXAMPLE.encode())
    assert (command.rollout, command.version, command.size_bytes) == (7, "0.2.0", 48213)
    assert decode_update_command(encode_update_command(command)) == command


def _with(**changes: object) -> bytes:
    raw = orjson.loads(EXAMPLE)
    raw["command"].update(changes)
    return orjson.dumps(raw)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", Reason.MALFORMED_JSON),
        (_with(version="../../etc"), Reason.INVALID_DATA),
        (_with(version=".hidden"), Reason.INVALID_DATA),
        (_with(sha256="ABC"), Reason.INVALID_DATA),
        (_with(url="file:///etc/passwd"), Reason.INVALID_DATA),
        (_with(size_bytes=0), Reason.INVALID_DATA),
        (_with(filename="../evil.whl"), Reason.INVALID_DATA),
        (_with(type="minutes"), Reason.INVALID_DATA),
        (orjson.dumps({**orjson.loads(EXAMPLE), "v": 2}), Reason.UNSUPPORTED_VERSION),
    ],
)
def test_bad_update_commands_are_refused(payload: bytes, reason: Reason) -> None:
    with pytest.raises(ContractError) as refused:
        decode_update_command(payload)
    assert refused.value.reason == reason
