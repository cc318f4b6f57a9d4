"""How long after a terminal dies the hub's API shows it offline, in two ways of dying:

- ``killed`` (SIGKILL): the process is gone but its kernel closes the TCP connection, so the
  broker sends the Last Will at once.
- ``silent`` (SIGSTOP, then SIGKILL): the connection stays open and nothing more is sent, as
  after a power cut or a network loss. The broker notices only when the keepalive expires,
  1.5 x the keepalive after the last packet (MQTT 3.1.1 section 3.1.2.10).

Baseline: for ``silent``, 1.5 x keepalive, the broker's own expiry. The figure is the delay
measured through the whole system (expiry + will delivery + hub ingest + API).

Output: a human table on stderr; the last line of stdout is one JSON object with, per keepalive
and way of dying, the median and max delay in ms; for ``silent`` also the baseline and the
ratio (median / baseline: 1.0 means the hub adds nothing to the broker's expiry; below 1 is
possible because the broker counts from the last packet, which came before the freeze).

  python bench/offline.py [--quick]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from devtools.broker import BrokerUnavailable, mosquitto_broker
from devtools.processes import ROOT, HubProcess, start_hub, start_terminal

CONFIG = ROOT / "firmware_configs" / "hq-f1-aurora.yaml"
DEVICE = "term-hq-f1-aurora"


def online(hub: HubProcess) -> bool:
    response = httpx.get(
        f"{hub.url}/api/v1/devices/{DEVICE}",
        headers={"Authorization": f"Bearer {hub.admin_token}"},
        timeout=5,
    )
    response.raise_for_status()
    return bool(response.json()["online"])


def wait_until(condition, timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one keepalive, three kills")
    args = parser.parse_args()
    keepalives = [2.0] if args.quick else [2.0, 5.0]
    kills = 3 if args.quick else 5
    workdir = Path(tempfile.mkdtemp(prefix="quorum-bench-offline-"))
    configs = workdir / "configs"
    configs.mkdir()
    try:
        broker = mosquitto_broker(workdir / "broker").start()
    except BrokerUnavailable as exc:
        print(f"cannot run: {exc}", file=sys.stderr)
        return 1
    shutil.copy(CONFIG, configs / CONFIG.name)
    hub = start_hub(broker, workdir / "hub", configs_dir=configs)
    results = []
    try:
        for keepalive in keepalives:
            text = CONFIG.read_text().replace(
                "  port: 1883\n", f"  port: 1883\n  keepalive: {keepalive}s\n"
            )
            (configs / CONFIG.name).write_text(text)
            for mode in ("killed", "silent"):
                delays = measure(hub, broker, configs, workdir, keepalive, mode, kills)
                if delays is None:
                    return 1
                row = summarise(keepalive, mode, delays)
                results.append(row)
                print(
                    f"keepalive {keepalive:g} s, {mode}: offline after median "
                    f"{row['median_delay_ms']} ms, max {row['max_delay_ms']} ms"
                    + (f" (broker expiry {row['baseline_ms']} ms)" if mode == "silent" else ""),
                    file=sys.stderr,
                )
    finally:
        hub.child.terminate()
        broker.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({"bench": "offline_detection", "results": results}))
    return 0


def measure(hub, broker, configs, workdir, keepalive, mode, kills) -> list[float] | None:
    delays = []
    for attempt in range(kills):
        terminal = start_terminal(
            configs / CONFIG.name,
            broker,
            workdir,
            scenario="meeting_room_day",
            name=f"terminal-{keepalive}-{mode}-{attempt}",
        )
        if wait_until(lambda: online(hub), 60) is None:
            print(f"terminal did not come online:\n{terminal.log_tail()}", file=sys.stderr)
            return None
        if mode == "silent":
            os.kill(terminal.process.pid, signal.SIGSTOP)
        else:
            terminal.kill()
        delay = wait_until(lambda: not online(hub), 10 * keepalive + 30)
        terminal.kill()
        if delay is None:
            print("the hub never showed the terminal offline", file=sys.stderr)
            return None
        delays.append(delay)
    return delays


def summarise(keepalive: float, mode: str, delays: list[float]) -> dict:
    median = statistics.median(delays)
    row = {
        "keepalive_s": keepalive,
        "mode": mode,
        "kills": len(delays),
        "median_delay_ms": round(median * 1000),
        "max_delay_ms": round(max(delays) * 1000),
    }
    if mode == "silent":
        baseline = 1.5 * keepalive
        row |= {"baseline_ms": round(baseline * 1000), "ratio": round(median / baseline, 3)}
    return row


if __name__ == "__main__":
    sys.exit(main())
