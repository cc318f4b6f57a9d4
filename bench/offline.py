"""How long after a terminal dies (SIGKILL) the hub's API shows it offline.

The broker sends a terminal's Last Will when its keepalive expires: MQTT says after 1.5 x the
keepalive. That theoretical delay is the baseline; the figure is the delay measured through the
whole system (broker expiry + will delivery + hub ingest + API), over several kills per keepalive.

Output: a human table on stderr; the last line of stdout is one JSON object with, per keepalive,
the measured median and max delay in ms, the baseline (1.5 x keepalive) and their ratio
(measured median / baseline; 1.0 means the hub adds nothing to the broker's own expiry).

  python bench/offline.py [--quick]
"""

import argparse
import json
import shutil
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
            delays = []
            for attempt in range(kills):
                terminal = start_terminal(
                    configs / CONFIG.name,
                    broker,
                    workdir,
                    scenario="meeting_room_day",
                    name=f"terminal-{keepalive}-{attempt}",
                )
                if wait_until(lambda: online(hub), 60) is None:
                    print(f"terminal did not come online:\n{terminal.log_tail()}", file=sys.stderr)
                    return 1
                terminal.kill()
                delay = wait_until(lambda: not online(hub), 10 * keepalive + 30)
                if delay is None:
                    print("the hub never showed the terminal offline", file=sys.stderr)
                    return 1
                delays.append(delay)
            baseline = 1.5 * keepalive
            median = statistics.median(delays)
            row = {
                "keepalive_s": keepalive,
                "kills": kills,
                "median_delay_ms": round(median * 1000),
                "max_delay_ms": round(max(delays) * 1000),
                "baseline_ms": round(baseline * 1000),
                "ratio": round(median / baseline, 3),
            }
            results.append(row)
            print(
                f"keepalive {keepalive:g} s: offline after median {row['median_delay_ms']} ms, "
                f"max {row['max_delay_ms']} ms "
                f"(broker expiry 1.5 x keepalive = {row['baseline_ms']} ms)",
                file=sys.stderr,
            )
    finally:
        hub.child.terminate()
        broker.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({"bench": "offline_detection", "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
