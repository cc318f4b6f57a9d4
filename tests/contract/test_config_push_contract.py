"""Configuration push in the contract: the command on cmd/config and the terminal's answer."""

import json
from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from contract.commands import ConfigCommand, decode_config_command, encode_config_command
from contract.config_push import MAX_CONFIG_BYTES, ConfigReportData, config_version
from contract.messages import TYPE_CHANNELS, ContractError, Reason, decode

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contract.md"
GOLDEN = Path(__file__).parent / "golden"
AURORA = Path(__file__).resolve().parents[2] / "firmware_configs" / "hq-f1-aurora.yaml"
DOC_COMMAND = (
    '{"v": 1, "ts": "2026-11-28T14:02:00Z", "command": {"type": "config", "version": '
    '"273f636bdf12", "yaml": "version: 1\\nterminal: {id: term-hq-f1-aurora}\\n"}}'
)


def test_the_documented_command_decodes() -> None:
    assert DOC_COMMAND in DOCS.read_text(), "docs/contract.md must show this example"
    command = decode_config_command(DOC_COMMAND.encode())
    assert command.version == config_version(command.yaml.encode())


def test_a_whole_file_round_trips_with_its_version() -> None:
    text = AURORA.read_bytes()
    command = ConfigCommand(version=config_version(text), yaml=text.decode())
    again = decode_config_command(encode_config_command(command))
    assert again == command
    assert again.yaml.encode() == text  # byte for byte: the terminal's version is the same


def _payload(version: str, yaml: str) -> bytes:
    command = {"type": "config", "version": version, "yaml": yaml}
    return orjson.dumps({"v": 1, "ts": "2026-11-28T14:02:00Z", "command": command})


def test_a_version_that_does_not_name_the_text_is_refused() -> None:
    with pytest.raises(ContractError) as caught:
        decode_config_command(_payload(config_version(b"other"), "version: 1\n"))
    assert caught.value.reason is Reason.INVALID_DATA
    assert "does not match" in caught.value.detail


@pytest.mark.parametrize(
    ("version", "yaml", "complaint"),
    [
        ("ABCDEF012345", "version: 1\n", "pattern"),  # upper case is not a version
        ("abc", "version: 1\n", "pattern"),
        (None, "", "at least 1"),
        (None, "x" * (MAX_CONFIG_BYTES + 1), "at most"),
        (None, "é" * (MAX_CONFIG_BYTES // 2 + 1), f"over {MAX_CONFIG_BYTES} bytes"),
    ],
)
def test_bad_commands_are_refused(version: str | None, yaml: str, complaint: str) -> None:
    payload = _payload(version or config_version(yaml.encode()), yaml)
    with pytest.raises(ContractError, match=complaint):
        decode_config_command(payload)


def test_reports_travel_on_events_config() -> None:
    assert TYPE_CHANNELS["config"] == ("events", "config")
    example = json.loads((GOLDEN / "config_rolled_back.json").read_text())
    message = decode(example["topic"], orjson.dumps(example["payload"]))
    assert isinstance(message.data, ConfigReportData)
    assert (message.data.outcome, message.data.reason) == ("rolled_back", "broker_unreachable")
    assert message.data.running_version != message.data.version


@pytest.mark.parametrize(
    "fields",
    [
        {"outcome": "applied", "reason": "invalid"},  # applied has no reason
        {"outcome": "rejected"},  # a refusal says why
        {"outcome": "rolled_back", "reason": "because"},  # reasons are codes
        {"outcome": "kept"},
    ],
)
def test_inconsistent_reports_are_invalid_data(fields: dict) -> None:
    example = json.loads((GOLDEN / "config_applied.json").read_text())
    example["payload"]["data"] = {"version": "5c0e2f81a9d4", **fields}
    with pytest.raises(ContractError) as caught:
        decode(example["topic"], orjson.dumps(example["payload"]))
    assert caught.value.reason is Reason.INVALID_DATA


def test_a_heartbeat_names_the_running_configuration_or_not() -> None:
    example = json.loads((GOLDEN / "heartbeat.json").read_text())
    assert decode(example["topic"], orjson.dumps(example["payload"])).data.config_version is None
    example["payload"]["data"]["config_version"] = "5c0e2f81a9d4"
    message = decode(example["topic"], orjson.dumps(example["payload"]))
    assert message.data.config_version == "5c0e2f81a9d4"


def test_reason_and_outcome_go_together_in_the_model() -> None:
    with pytest.raises(ValidationError):
        ConfigReportData(version="5c0e2f81a9d4", outcome="applied", reason="invalid")
    report = ConfigReportData(version="5c0e2f81a9d4", outcome="rejected", reason="wrong_terminal")
    assert report.running_version is None
