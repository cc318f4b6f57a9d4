"""Load terminals: many terminals in one process, each with the real spool and delivery path.

For the fault-injection suite and the soak benchmark. Each terminal is built from its
configuration file exactly like ``python -m edge run`` builds its link to the hub
(``edge.link.open_link``: SQLite spool, delivery worker, MQTT connection), but instead of
sensors a paced loop makes it publish occupancy changes as fast as asked. What was
produced is in each spool's ``boots`` table (``last_seq`` per boot, committed with each
message), which survives a SIGKILL: that is the ledger the tests judge the hub against.

    python -m devtools.loadterminal --config F [--config F ...] --port 1883 \\
        --spool-dir DIR --rate 50 --count 500

Prints one JSON line per terminal at start (``{"device": ..., "boot": ..., "spool": ...}``),
then ``{"done": true}`` when every terminal has produced ``--count`` messages; keeps
running (re-publishing, answering the hub's replay requests) until SIGTERM or SIGINT.
"""

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from common.clock import SystemClock
from common.mqtt import BrokerAddress
from contract.config_loader import load_terminal_config
from contract.envelope import new_boot_id
from edge.link import SpoolSettings, TerminalLink, open_link
from edge.occupancy import SpaceSnapshot
from edge.publisher import Identity, MessageBuilder, Outgoing, Sequencer

log = logging.getLogger("loadterminal")


def build(
    config: Path, args: argparse.Namespace, clock: SystemClock
) -> tuple[TerminalLink, MessageBuilder]:
    cfg = load_terminal_config(config)
    identity = Identity(
        prefix=args.prefix, room_id=cfg.room.id, device_id=cfg.terminal.id, boot=new_boot_id()
    )
    builder = MessageBuilder(identity, Sequencer())
    address = BrokerAddress(host=args.host, port=args.port, protocol="auto", keepalive_s=5)
    spool = SpoolSettings(
        path=args.spool_dir / f"{cfg.terminal.id}.sqlite",
        max_messages=args.max_messages,
        max_bytes=512 * 1024 * 1024,
        resend_after=args.resend_after,
    )
    return open_link(builder, address, spool, clock), builder


def produce(
    terminals: list[tuple[TerminalLink, MessageBuilder]],
    rate: float,
    count: int,
    stop: threading.Event,
    duplicate: bool = False,
) -> None:
    """Round-robin over the terminals, ``rate`` messages per second each, ``count`` each."""
    last_ts = [datetime.min.replace(tzinfo=UTC)] * len(terminals)
    started = time.monotonic()
    total = count * len(terminals)
    for n in range(total):
        if stop.is_set():
            return
        due = started + n / (rate * len(terminals))
        if (delay := due - time.monotonic()) > 0:
            stop.wait(delay)
        index = n % len(terminals)
        link, builder = terminals[index]
        # Device time strictly increases, so history order by time must equal seq order.
        ts = max(datetime.now(UTC), last_ts[index] + timedelta(microseconds=1))
        last_ts[index] = ts
        room = builder.identity.room_id
        change = SpaceSnapshot("room", room, occupied=(n // len(terminals)) % 2 == 0, signals=())
        built: list[Outgoing] = []
        link.publisher.send(partial(_build_and_keep, built, builder, change, ts))
        if duplicate:  # a duplicate storm: the same bytes again, past the spool
            link.connection.publish(built[0].topic, built[0].payload, qos=1)


def _build_and_keep(
    built: list[Outgoing], builder: MessageBuilder, change: SpaceSnapshot, ts: datetime
) -> Outgoing:
    message = builder.occupancy(change, ts)
    built.append(message)
    return message


class LoadTerminalProcess:
    """This module run as a child process, for tests and benchmarks."""

    def __init__(
        self,
        configs: list[Path],
        *,
        port: int,
        prefix: str,
        spool_dir: Path,
        rate: float,
        count: int,
        log_path: Path,
        extra: list[str] | None = None,
    ) -> None:
        self.spool_dir = spool_dir
        root = Path(__file__).resolve().parent.parent
        command = [sys.executable, "-m", "devtools.loadterminal", "--port", str(port)]
        command += ["--prefix", prefix, "--spool-dir", str(spool_dir)]
        command += ["--rate", str(rate), "--count", str(count), *(extra or [])]
        for config in configs:
            command += ["--config", str(config)]
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        self.lines: list[dict[str, object]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.lines.append(json.loads(raw))

    @property
    def done(self) -> bool:
        """Every terminal has produced its ``count``."""
        return any(line.get("done") for line in self.lines)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, action="append", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--prefix", default="quorum")
    parser.add_argument("--spool-dir", type=Path, required=True)
    parser.add_argument("--rate", type=float, default=20.0, help="messages/s per terminal")
    parser.add_argument("--count", type=int, default=100, help="messages per terminal")
    parser.add_argument("--resend-after", type=float, default=2.0)
    parser.add_argument("--max-messages", type=int, default=1_000_000)
    parser.add_argument(
        "--duplicate", action="store_true", help="publish every message twice (a duplicate storm)"
    )
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper())
    args.spool_dir.mkdir(parents=True, exist_ok=True)

    clock = SystemClock()
    terminals = [build(config, args, clock) for config in args.config]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    for link, builder in terminals:
        link.deliverer.start()  # queues what an earlier process left in the spool
        link.connection.start()
        identity = builder.identity
        line = {"device": identity.device_id, "boot": identity.boot, "spool": str(link.spool.path)}
        print(json.dumps(line), flush=True)
    produce(terminals, args.rate, args.count, stop, args.duplicate)
    if not stop.is_set():
        print(json.dumps({"done": True}), flush=True)
    stop.wait()
    for link, _ in terminals:
        link.deliverer.drain(2.0)
        link.publisher.announce_offline("shutdown", 2.0)
        link.connection.stop()
        link.deliverer.stop()
        link.spool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
