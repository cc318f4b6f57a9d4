"""What every check receives: the loaded config and how the doctor was asked to run."""

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from contract.terminal_config import TerminalConfig, default_spool_path


@dataclass(frozen=True)
class DoctorContext:
    config_path: Path
    config: TerminalConfig
    #: The environment the terminal would run with (password references ``env:NAME``).
    env: Mapping[str, str]
    #: Hardware checks use the simulator (gpiozero's MockFactory) instead of the real thing.
    simulate: bool = False
    #: Leave out the checks that need the network (the broker).
    offline: bool = False
    #: How long the broker gets to answer.
    timeout_s: float = 10.0

    @property
    def speech_on(self) -> bool:
        return self.config.speech.enabled

    def spool_path(self) -> Path:
        """Where ``edge run`` would keep the spool (same rules as edge/cli.py)."""
        if self.config.spool.path is not None:
            return Path(self.config.spool.path)
        if self.simulate:  # a simulated terminal keeps its spool in the temporary directory
            return Path(tempfile.gettempdir()) / f"quorum-spool-{os.getuid()}" / "spool.sqlite"
        return Path(default_spool_path(self.config.terminal.id))
