"""Ingest capacity: the highest offered rate the hub sustains with zero loss and p99 latency < 1 s.

Many simulated devices (one MQTT connection each, Mosquitto's C client, see bench/_ladder.py)
publish occupancy events at QoS 1 to a real Mosquitto, at a ladder of offered rates. Two
ladders run in the same process on the same broker and publishers, one after the other so
that neither competes with the other for the two cores:

1. baseline: Mosquitto's own C subscriber (``mosquitto_sub -q 1``); latency is publish -> printed;
2. the hub (``python -m hub serve``, SQLite file); latency is publish -> committed
   (``stored_at`` - the message's ``ts``), and loss is counted against its ledger.

A rate is sustained when every message arrived (zero loss), p99 latency < 1 s, the publisher
really offered the rate, and every lower rate was sustained too. Each ladder stops at its
first failure.

Output: a human table on stderr; the last line of stdout is one JSON object:
  hub_max_rate_per_s       highest offered rate the hub sustained (0 if none)
  baseline_max_rate_per_s  the same for mosquitto_sub
  ratio                    hub_max_rate_per_s / baseline_max_rate_per_s (target >= 0.5)
  baseline_capped_by_ladder  the baseline passed every step, or first failed only because the
                           publisher could not offer the rate: its capacity is then unknown
                           (higher), and the ratio only an upper bound
  target_met               ratio >= 0.5 and the baseline was not capped by the ladder
  baseline_steps, hub_steps  per rate: sent, achieved publish rate, arrived (received or
                           stored), p99 latency (ms), ok, publisher_limited; the hub's also
                           CPU microseconds per stored message

  python bench/ingest.py [--quick] [--devices N]
"""

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._ladder import Publisher, device_fleet, p99, write_configs
from devtools.broker import BrokerUnavailable, mosquitto_broker
from devtools.processes import start_hub

LATENCY_LIMIT_S = 1.0
TARGET_RATIO = 0.5
DRAIN_S = 10.0

Step = dict[str, Any]
# QoS 1, MQTT 5; each line is "<receive time> <payload>".
_MOSQUITTO_SUB = ["mosquitto_sub", "-h", "127.0.0.1", "-q", "1", "-V", "mqttv5", "-F", "%U %p"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_ladder(name: str, rates: list[int], step: Callable[[int], Step]) -> tuple[int, list[Step]]:
    """Run ``step`` up the ladder until the first failure; return (highest rate passed, steps)."""
    best, steps = 0, []
    for rate in rates:
        result = step(rate)
        steps.append(result)
        cpu = result.get("cpu_us_per_stored")
        log(
            f"{name:>14} {rate:>6}/s: {result['arrived']}/{result['sent']} arrived, "
            f"p99 {result['p99_latency_ms']} ms, publisher {result['achieved_per_s']}/s"
            + (f", {cpu} µs CPU/msg" if cpu is not None else "")
            + ("  ok" if result["ok"] else "  FAIL")
        )
        if not result["ok"]:
            break
        best = rate
    return best, steps


def step_record(
    rate: int, sent: int, achieved: float, arrived: int, latency_s: float | None
) -> Step:
    return {
        "offered_per_s": rate,
        "sent": sent,
        "achieved_per_s": round(achieved),
        "arrived": arrived,
        "p99_latency_ms": round(latency_s * 1000, 1) if latency_s is not None else None,
        "ok": arrived == sent
        and latency_s is not None
        and latency_s < LATENCY_LIMIT_S
        and achieved >= 0.95 * rate,
        "publisher_limited": achieved < 0.95 * rate,
    }


# -- the baseline: mosquitto_sub -------------------------------------------------------


def baseline_step(
    broker_port: int, prefix: str, publisher: Publisher, rate: int, seconds: float, workdir: Path
) -> Step:
    boot = f"base{rate}"
    out_path = workdir / f"sub-{boot}.txt"
    with out_path.open("wb") as out:
        sub = subprocess.Popen(
            [*_MOSQUITTO_SUB, "-p", str(broker_port), "-t", f"{prefix}/#"],
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)  # let the subscription be made before publishing
        sent, achieved = publisher.run_step(boot, rate, seconds)
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline and _count_lines(out_path) < sent:
            time.sleep(0.2)
        sub.terminate()
        sub.wait()
    latencies, received = [], 0
    for line in out_path.read_text().splitlines():
        stamp, _, payload = line.partition(" ")
        try:
            message = json.loads(payload)
        except json.JSONDecodeError:
            continue
        if message.get("boot") != boot:
            continue
        received += 1
        latencies.append(float(stamp) - datetime.fromisoformat(message["ts"]).timestamp())
    out_path.unlink()
    return step_record(rate, sent, achieved, received, p99(latencies))


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


# -- the hub ---------------------------------------------------------------------------


def hub_step(database: Path, pid: int, publisher: Publisher, rate: int, seconds: float) -> Step:
    boot = f"hub{rate}"
    cpu_before = cpu_seconds(pid)
    sent, achieved = publisher.run_step(boot, rate, seconds)
    stored, latency = stored_of_boot(database, boot, sent)
    record = step_record(rate, sent, achieved, stored, latency)
    # Includes what the hub still had to do for the previous step, if it fell behind.
    record["cpu_us_per_stored"] = (
        round((cpu_seconds(pid) - cpu_before) / stored * 1e6) if stored else None
    )
    return record


def wait_until_consuming(database: Path, publisher: Publisher, timeout_s: float = 60.0) -> None:
    """The API answers before the MQTT subscription is made: publish until something lands."""
    deadline = time.monotonic() + timeout_s
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        boot = f"warmup{attempt}"
        publisher.run_step(boot, 100, 0.5)
        time.sleep(1.0)
        with sqlite3.connect(database, timeout=30) as db:
            query = "SELECT count(*) FROM ingested_messages WHERE boot = ?"
            if db.execute(query, (boot,)).fetchone()[0] > 0:
                return
    raise RuntimeError("the hub stored nothing within a minute of starting")


def stored_of_boot(database: Path, boot: str, expected: int) -> tuple[int, float | None]:
    """Wait until the hub stored ``expected`` messages of this boot (or the drain time ends)."""
    deadline = time.monotonic() + DRAIN_S
    with sqlite3.connect(database, timeout=30) as db:
        while True:
            (count,) = db.execute(
                "SELECT count(*) FROM ingested_messages WHERE boot = ?", (boot,)
            ).fetchone()
            if count >= expected or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        rows = db.execute(
            "SELECT ts, stored_at FROM ingested_messages WHERE boot = ?", (boot,)
        ).fetchall()
    latencies = [(_parse(stored) - _parse(ts)).total_seconds() for ts, stored in rows]
    return count, p99(latencies)


def _parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return (
        parsed
        if parsed.tzinfo
        else parsed.replace(tzinfo=datetime.now().astimezone().tzinfo).astimezone()
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 s steps instead of 10 s (about 2-4 minutes)"
    )
    parser.add_argument("--devices", type=int, default=50)
    args = parser.parse_args()
    rates = [1000, 2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 20000, 25000, 30000, 40000]
    seconds = 3.0 if args.quick else 10.0
    missing = [tool for tool in ("mosquitto_sub", "mosquitto_pub") if shutil.which(tool) is None]
    if missing:
        print(
            f"bench/ingest.py needs {' and '.join(missing)}: "
            "apt-get install mosquitto mosquitto-clients",
            file=sys.stderr,
        )
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="quorum-bench-ingest-"))
    devices = device_fleet(args.devices)
    write_configs(workdir / "configs", devices)
    try:
        broker = mosquitto_broker(workdir / "broker").start()
    except BrokerUnavailable as exc:
        print(f"cannot run: {exc}", file=sys.stderr)
        return 1
    prefix = "bench"
    publisher = Publisher(broker.host, broker.port, prefix, devices)
    try:
        base_max, base_steps = run_ladder(
            "mosquitto_sub",
            rates,
            lambda rate: baseline_step(broker.port, prefix, publisher, rate, seconds, workdir),
        )
        hub = start_hub(
            broker,
            workdir / "hub",
            configs_dir=workdir / "configs",
            prefix=prefix,
            extra_env={"QUORUM_LOG_LEVEL": "WARNING"},
        )
        try:
            wait_until_consuming(hub.database_path, publisher)
            pid = hub.child.process.pid
            hub_max, hub_steps = run_ladder(
                "hub",
                rates,
                lambda rate: hub_step(hub.database_path, pid, publisher, rate, seconds),
            )
        finally:
            hub.child.terminate()
    finally:
        publisher.close()
        broker.stop()
    ratio = hub_max / base_max if base_max else None
    first_failure = next((st for st in base_steps if not st["ok"]), None)
    baseline_capped = first_failure is None or bool(first_failure["publisher_limited"])
    result = {
        "bench": "ingest",
        "devices": args.devices,
        "step_seconds": seconds,
        "hub_max_rate_per_s": hub_max,
        "baseline_max_rate_per_s": base_max,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "target_ratio": TARGET_RATIO,
        "baseline_capped_by_ladder": baseline_capped,
        "target_met": ratio is not None and ratio >= TARGET_RATIO and not baseline_capped,
        "baseline_steps": base_steps,
        "hub_steps": hub_steps,
    }
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
