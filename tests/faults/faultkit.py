"""What the fault tests share: load terminals for the example configs, and the verdict.

The ledger itself (what the spools produced against what the hub stored) is in
devtools/ledger.py, shared with bench/soak.py.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from devtools import waiting
from devtools.broker import RunningBroker
from devtools.ledger import judge
from devtools.loadterminal import LoadTerminalProcess

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "firmware_configs").glob("*.yaml"))
DEADLINE_S = 180.0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = DEADLINE_S) -> Any:
    return waiting.wait_for(condition, what, timeout)


def load_terminals(
    broker: RunningBroker,
    prefix: str,
    workdir: Path,
    *,
    rate: float,
    count: int,
    extra: list[str] | None = None,
) -> LoadTerminalProcess:
    """The four example terminals as load terminals, spooling under ``workdir/spools``."""
    return LoadTerminalProcess(
        CONFIGS,
        port=broker.port,
        prefix=prefix,
        spool_dir=workdir / "spools",
        rate=rate,
        count=count,
        log_path=workdir / "loadterminal.log",
        extra=extra,
    )


def assert_ledger_exact(spool_dir: Path, database: Path, *, min_messages: int) -> None:
    """Every produced message stored exactly once (nothing else stored), history in order."""
    verdict = judge(spool_dir, database)
    assert verdict.produced >= min_messages, f"the terminals produced only {verdict.produced}"
    assert verdict.exact, f"ledger problems: {verdict.problems}"
