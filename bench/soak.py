"""Soak: many terminals for minutes while the broker is killed again and again; nothing lost.

200 load terminals (the real spool and delivery path, devtools/loadterminal.py, in four
processes) publish occupancy to a real Mosquitto and a hub (``python -m hub serve``, SQLite
file). Meanwhile: the broker is SIGKILLed and restarted every 60 s, the hub is SIGKILLed
and restarted once, and once the hub is stalled (SIGSTOP) long enough for the broker's small
queue (``max_queued_messages 100``, hub receive window 200) to overflow and drop. Then the
run waits for the spools and the hub's replay requests to settle, and judges the hub by the
ledger (devtools/ledger.py): every ``(device, boot, seq)`` produced stored exactly once, in
order per device.

Output: progress on stderr; the last line of stdout is one JSON object:
  produced, stored, lost (target 0), duplicated (target 0), unexpected (stored, never
  produced; target 0), given_up (dropped by a full spool and reported), throughput_per_s
  (stored / production time), settle_s (after production, until nothing was missing),
  broker_kills, hub_restarts, overflow_episodes, replays_requested, target_met.

  python bench/soak.py [--quick] [--terminals N] [--rate MSG_PER_S_PER_TERMINAL]
"""

import argparse
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._ladder import device_fleet, write_configs
from devtools.broker import BrokerUnavailable, RunningBroker, mosquitto_broker
from devtools.ledger import judge
from devtools.loadterminal import LoadTerminalProcess
from devtools.processes import HubProcess, start_hub

PREFIX = "soak"
PROCESSES = 4
BROKER_KILL_EVERY_S = 60.0
SETTLE_LIMIT_S = 300.0
HUB_ENV = {"QUORUM_LOG_LEVEL": "WARNING", "QUORUM_INGEST_RECEIVE_MAXIMUM": "200"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 minutes instead of 10")
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.5, help="messages/s per terminal")
    args = parser.parse_args()
    duration = 120.0 if args.quick else 600.0
    workdir = Path(tempfile.mkdtemp(prefix="quorum-soak-"))
    devices = device_fleet(args.terminals)
    write_configs(workdir / "configs", devices)
    configs = sorted((workdir / "configs").glob("*.yaml"))
    try:
        broker = mosquitto_broker(workdir / "broker", extra_config="max_queued_messages 100\n")
        broker.start()
    except BrokerUnavailable as exc:
        print(f"cannot run: {exc}", file=sys.stderr)
        return 1
    hub = start_hub(
        broker, workdir / "hub", configs_dir=workdir / "configs", prefix=PREFIX, extra_env=HUB_ENV
    )
    count = int(args.rate * duration)
    groups = [configs[i::PROCESSES] for i in range(PROCESSES)]
    loads = [
        LoadTerminalProcess(
            group,
            port=broker.port,
            prefix=PREFIX,
            spool_dir=workdir / "spools",
            rate=args.rate,
            count=count,
            log_path=workdir / f"load{index}.log",
            extra=["--resend-after", "10"],
        )
        for index, group in enumerate(groups)
        if group
    ]
    log(f"{args.terminals} terminals, {args.rate}/s each, {duration:.0f} s; workdir {workdir}")
    started = time.monotonic()
    faults = Faults(broker, hub, workdir, duration)
    try:
        while not all(load.done for load in loads):
            faults.due(time.monotonic() - started)
            time.sleep(0.5)
            if time.monotonic() - started > duration * 3:
                log("the terminals did not finish producing in three times the planned time")
                break
        produced_in = time.monotonic() - started
        log(f"production done after {produced_in:.0f} s; settling")
        settle_start = time.monotonic()
        while time.monotonic() - settle_start < SETTLE_LIMIT_S:
            if judge(workdir / "spools", faults.hub.database_path).lost == 0:
                break
            time.sleep(2.0)
        settle_s = time.monotonic() - settle_start
        for load in loads:
            load.stop()
        verdict = judge(workdir / "spools", faults.hub.database_path)
        with sqlite3.connect(faults.hub.database_path) as db:
            (replays,) = db.execute(
                "SELECT coalesce(sum(replays_requested), 0) FROM ingest_streams"
            ).fetchone()
    finally:
        for load in loads:
            load.stop()
        faults.hub.child.terminate()
        broker.stop()
    result = {
        "bench": "soak",
        "terminals": args.terminals,
        "duration_s": duration,
        "produced": verdict.produced,
        "stored": verdict.stored,
        "lost": verdict.lost,
        "duplicated": verdict.duplicated,
        "unexpected": verdict.unexpected,
        "given_up": verdict.given_up,
        "out_of_order_devices": len(verdict.out_of_order_devices),
        "throughput_per_s": round(verdict.stored / produced_in, 1),
        "settle_s": round(settle_s, 1),
        "broker_kills": faults.broker_kills,
        "hub_restarts": faults.hub_restarts,
        "overflow_episodes": faults.overflows,
        "replays_requested": int(replays),
        "target_met": verdict.exact,
    }
    log(json.dumps(result, indent=2))
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))
    return 0


class Faults:
    """The schedule: broker SIGKILL every minute, one hub restart, one stalled hub."""

    def __init__(
        self, broker: RunningBroker, hub: HubProcess, workdir: Path, duration: float
    ) -> None:
        self.broker = broker
        self.hub = hub
        self.workdir = workdir
        self.next_kill = BROKER_KILL_EVERY_S
        self.overflow_at = duration * 0.25
        self.hub_restart_at = duration * 0.5 + 10
        self.duration = duration
        self.broker_kills = self.hub_restarts = self.overflows = 0

    def due(self, elapsed: float) -> None:
        if elapsed >= self.next_kill and elapsed < self.duration:
            log(f"{elapsed:5.0f} s: broker SIGKILL and restart")
            self.broker.kill()
            time.sleep(1.0)
            self.broker.start()
            self.broker_kills += 1
            self.next_kill += BROKER_KILL_EVERY_S
        if self.overflows == 0 and elapsed >= self.overflow_at:
            log(f"{elapsed:5.0f} s: hub stalled (SIGSTOP) for 10 s: the broker's queue overflows")
            os.kill(self.hub.child.process.pid, signal.SIGSTOP)
            time.sleep(10.0)
            os.kill(self.hub.child.process.pid, signal.SIGCONT)
            self.overflows += 1
        if self.hub_restarts == 0 and elapsed >= self.hub_restart_at:
            log(f"{elapsed:5.0f} s: hub SIGKILL and restart")
            self.hub.child.kill()
            self.hub = start_hub(
                self.broker,
                self.workdir / "hub",
                configs_dir=self.workdir / "configs",
                prefix=PREFIX,
                extra_env=HUB_ENV,
            )
            self.hub_restarts += 1


if __name__ == "__main__":
    sys.exit(main())
