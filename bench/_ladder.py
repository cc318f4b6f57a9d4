"""Shared parts of the ingest benchmark: simulated devices that publish at a paced rate."""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

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


class Publisher:
    """One paho client per device (as in a real building), all paced by one sender loop."""

    def __init__(self, host: str, port: int, prefix: str, devices: list[BenchDevice]) -> None:
        self.prefix = prefix
        self.devices = devices
        self.clients: list[paho.Client] = []
        self.acked = 0
        self._lock = threading.Lock()
        for device in devices:
            client = paho.Client(
                CallbackAPIVersion.VERSION2, client_id=device.device_id, protocol=paho.MQTTv5
            )
            client.max_inflight_messages_set(1000)
            client.on_publish = self._on_publish
            client.connect(host, port, keepalive=30)
            client.loop_start()
            self.clients.append(client)

    def _on_publish(self, *args: object) -> None:
        with self._lock:
            self.acked += 1

    def run_step(self, boot: str, rate: float, seconds: float) -> tuple[int, float]:
        """Publish at ``rate`` msg/s for ``seconds``; return (messages sent, achieved rate)."""
        total = int(rate * seconds)
        topics = [occupancy_topic(self.prefix, d.room_id, d.device_id) for d in self.devices]
        seqs = [0] * len(self.devices)
        started = time.perf_counter()
        for n in range(total):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0.002:
                time.sleep(delay)
            index = n % len(self.devices)
            seqs[index] += 1
            device = self.devices[index]
            payload = orjson.dumps(
                {
                    "v": 1,
                    "type": "occupancy",
                    "ts": datetime.now(UTC).isoformat(),
                    "device": device.device_id,
                    "boot": boot,
                    "seq": seqs[index],
                    "data": {
                        "space": "room",
                        "space_id": device.room_id,
                        "occupied": bool(seqs[index] % 2),
                    },
                }
            )
            self.clients[index].publish(topics[index], payload, qos=1)
        elapsed = time.perf_counter() - started
        return total, total / elapsed if elapsed else float("inf")

    def close(self) -> None:
        for client in self.clients:
            client.disconnect()
            client.loop_stop()


def p99(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
