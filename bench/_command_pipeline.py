"""bench/commands.py's pipeline: microphone-sized blocks through the command listener,
each accepted intent published with QoS 1 and timed to its PUBACK."""

import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench._command_inputs import BLOCK, SAMPLE_RATE, TOPIC, CannotRun

# --- the pipeline -----------------------------------------------------------------------


@dataclass
class Context:
    """One grammar's matcher and the command listener around it (sharing model and VAD)."""

    matcher: Any
    listener: Any


@dataclass
class Heard:
    text: str
    intent: str | None
    slots: dict[str, Any]
    latency_s: float
    published: bool
    early: bool = False  # the listener used its early decode


@dataclass
class ClipRun:
    utterances: list[Heard] = field(default_factory=list)
    end_sample: int | None = None  # where the first utterance was decided to have ended
    speech_s: float = 0.0


class Publisher:
    def __init__(self, host: str, port: int) -> None:
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id="commands-bench", protocol=paho.MQTTv5
        )
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        deadline = time.monotonic() + 10
        while not self.client.is_connected():
            if time.monotonic() > deadline:
                raise CannotRun(f"cannot connect to the broker on {host}:{port}")
            time.sleep(0.01)
        self.count = 0

    def publish(self, result: Any) -> None:
        payload = {
            "intent": result.intent,
            "slots": result.slots,
            "confidence": result.confidence,
            "text": result.text,
        }
        info = self.client.publish(TOPIC, json.dumps(payload, default=str), qos=1)
        info.wait_for_publish(timeout=10)  # QoS 1: returns once the PUBACK is in
        if not info.is_published():
            raise CannotRun("the broker did not acknowledge a QoS 1 publish within 10 s")
        self.count += 1

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class Pipeline:
    """Clips through :class:`speech.intents.listener.CommandListener` and the publisher."""

    def __init__(self, transcriber: Any, baseline_transcriber: Any, publisher: Publisher) -> None:
        self.transcriber = transcriber  # what the listener decodes with
        self.baseline_transcriber = baseline_transcriber  # speech.transcriber.Transcriber
        self.publisher = publisher

    def run(
        self,
        samples: np.ndarray,
        listener: Any,
        *,
        paced: bool = False,
        trigger: str = "ptt",
    ) -> ClipRun:
        """Feed ``samples`` in 32 ms blocks; publish every accepted command.

        ``paced``: each block is handed over when a microphone would have it (its last sample
        captured), so the early decode has the time it has in a room; otherwise as fast as
        possible. A block late because the pipeline fell behind counts from when it was due.
        ``trigger``: ``ptt`` arms push-to-talk at the start of the clip; ``always`` arms it
        before every block (every utterance is taken as a command); ``wake`` arms nothing.
        """
        listener.reset()
        run = ClipRun()
        if trigger == "ptt":
            listener.arm()
        t0 = time.perf_counter()
        for start in range(0, len(samples), BLOCK):
            end = min(len(samples), start + BLOCK)
            due = t0 + end / SAMPLE_RATE
            if paced and (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            if trigger == "always":
                listener.arm()
            began = due if paced else time.perf_counter()
            self._handle(listener.feed(samples[start:end]), began, run, end)
        self._handle(listener.finish(), time.perf_counter(), run, len(samples))
        return run

    def _handle(self, heard: list[Any], began: float, run: ClipRun, end: int) -> None:
        for command in heard:
            if command.wake_only:
                continue
            result = command.result
            if command.accepted:
                self.publisher.publish(result)
            if run.end_sample is None:
                run.end_sample = end
            run.speech_s += command.end_s - command.start_s
            run.utterances.append(
                Heard(
                    command.text,
                    result.intent,
                    dict(result.slots),
                    time.perf_counter() - began,
                    command.accepted,
                    command.early,
                )
            )

    def baseline(self, audio: np.ndarray, matcher: Any, language: str = "en") -> Heard:
        """Plain faster-whisper on ``audio`` (beam 5, its full 30 s window) + match + publish,
        started when speech ended; ``latency_s`` is the whole of it."""
        started = time.perf_counter()
        whisper = self.baseline_transcriber.whisper
        pieces, _ = whisper.transcribe(audio, language=language, beam_size=5)
        text = " ".join(p.text.strip() for p in pieces).strip()
        result = matcher.match(text)
        if result.intent:
            self.publisher.publish(result)
        elapsed = time.perf_counter() - started
        return Heard(text, result.intent, dict(result.slots), elapsed, bool(result.intent))


def percentile_ms(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else None
