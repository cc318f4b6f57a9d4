"""Shared parts of the ingest benchmark: simulated devices that publish at a paced rate."""

import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from contract.topics import occupancy_topic


@dataclass(frozen=True)
class BenchDevice:
    device_id: str
    room_id: str


def device_fleet(count: int) -> list[BenchDevice]:
    return [BenchDevice(f"bench-t{i:03d}", f"bench-r{i:03d}") for i in range(count)]


def write_configs(directory, devices: list[BenchDevice]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for index, device in enumerate(devices):
        (directory / f"{device.device_id}.yaml").write_text(
            f"""version: 1
terminal: {{id: {device.device_id}}}
site: {{id: bench, name: Bench site}}
building: {{id: bench-b, name: Bench building}}
floor: {{id: bench-f{index % 4}, name: Floor {index % 4}}}
room: {{id: {device.room_id}, name: Room {index}, capacity: 6, timezone: UTC}}
sensors: [{{id: pir, kind: pir_motion, pin: 17}}]
"""
        )


# QoS 1, MQTT 5, one message per line read from stdin.
_MOSQUITTO_PUB = ["mosquitto_pub", "-q", "1", "-V", "mqttv5", "-l"]


class Publisher:
    """One Mosquitto C client per device (``mosquitto_pub -l``), fed lines by one paced loop.

    The load generator must not be what limits the ladder: a Python MQTT client per device
    tops out at about 6000-8000 msg/s on the two shared cores, below what ``mosquitto_sub``
    takes. Here Python only formats lines and writes them to pipes, one tick at a time; the
    MQTT work (QoS 1 publish and its PUBACK) is done by Mosquitto's C client, one connection
    per device as in a real building. ``ts`` is stamped when a line is written, so measured
    latencies include the pipe hop. A publisher that falls behind fills its pipe, the write
    blocks, and the achieved rate shows it.
    """

    TICK_S = 0.005

    def __init__(self, host: str, port: int, prefix: str, devices: list[BenchDevice]) -> None:
        self.devices = devices
        self._topics = [occupancy_topic(prefix, d.room_id, d.device_id) for d in devices]
        self._clients = [
            subprocess.Popen(
                [*_MOSQUITTO_PUB, "-h", host, "-p", str(port), "-i", device.device_id, "-t", topic],
                stdin=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            for device, topic in zip(devices, self._topics, strict=True)
        ]
        time.sleep(0.5)  # let every client connect before the first step

    def run_step(self, boot: str, rate: float, seconds: float) -> tuple[int, float]:
        """Publish at ``rate`` msg/s for ``seconds``; return (messages sent, achieved rate)."""
        total = int(rate * seconds)
        count = len(self.devices)
        seqs = [0] * count
        sent = 0
        started = time.perf_counter()
        while sent < total:
            due = min(total, int((time.perf_counter() - started) * rate) + 1)
            if due <= sent:
                time.sleep(self.TICK_S)
                continue
            ts = datetime.now(UTC).isoformat()
            lines: list[list[bytes]] = [[] for _ in range(count)]
            for n in range(sent, due):
                index = n % count
                seqs[index] += 1
                lines[index].append(_occupancy_line(self.devices[index], boot, seqs[index], ts))
            for client, device_lines in zip(self._clients, lines, strict=True):
                if device_lines and client.stdin is not None:
                    client.stdin.write(b"".join(device_lines))
                    client.stdin.flush()
            sent = due
        elapsed = time.perf_counter() - started
        return total, total / elapsed if elapsed else float("inf")

    def close(self) -> None:
        for client in self._clients:
            if client.stdin is not None:
                client.stdin.close()
        for client in self._clients:
            try:
                client.wait(timeout=10)
            except subprocess.TimeoutExpired:
                client.kill()


def _occupancy_line(device: BenchDevice, boot: str, seq: int, ts: str) -> bytes:
    message = {
        "v": 1,
        "type": "occupancy",
        "ts": ts,
        "device": device.device_id,
        "boot": boot,
        "seq": seq,
        "data": {"space": "room", "space_id": device.room_id, "occupied": bool(seq % 2)},
    }
    return orjson.dumps(message) + b"\n"


def p99(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
