"""Fixtures for the room terminal's tests."""

from pathlib import Path

import pytest

from contract.config_loader import load_terminal_config
from contract.terminal_config import TerminalConfig

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[2] / "firmware_configs"
AURORA = FIRMWARE_CONFIGS / "hq-f1-aurora.yaml"
BOREALIS = FIRMWARE_CONFIGS / "hq-f1-borealis.yaml"
COSMOS = FIRMWARE_CONFIGS / "hq-f2-cosmos.yaml"
EAST_DESKS = FIRMWARE_CONFIGS / "hq-f2-east-desks.yaml"


@pytest.fixture
def aurora_config() -> TerminalConfig:
    return load_terminal_config(AURORA)


@pytest.fixture
def east_desks_config() -> TerminalConfig:
    return load_terminal_config(EAST_DESKS)
