"""bench/commands.py's pipeline: microphone-sized blocks through the streaming recognizer
and the matcher, each accepted intent published with QoS 1 and timed to its PUBACK."""

import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench._command_inputs import BLOCK, TOPIC, CannotRun

# --- the pipeline -----------------------------------------------------------------------


@dataclass
class Context:
    """One grammar's matcher and pipeline settings, sharing the loaded model and VAD."""

    matcher: Any
    settings: Any


@dataclass
class Heard:
    text: str
    intent: str | None
    slots: dict[str, Any]
    latency_s: float
    published: bool


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
    def __init__(self, transcriber: Any, vad: Any, publisher: Publisher) -> None:
        self.transcriber = transcriber
        self.vad = vad
        self.publisher = publisher

    def run(self, samples: np.ndarray, context: Context) -> ClipRun:
        """Feed ``samples`` in 32 ms blocks; match and publish every finished utterance."""
        from speech.streaming import StreamingTranscriber
        from speech.transcriber import join_texts

        self.vad.reset()
        stream = StreamingTranscriber(self.transcriber, context.settings, vad=self.vad)
        run = ClipRun()

        def handle(segments: list[Any], started: float, ended: bool) -> None:
            if not ended:
                return
            text = join_texts(segments)
            result = context.matcher.match(text) if text else None
            published = bool(result and result.intent)
            if published:
                self.publisher.publish(result)
            latency = time.perf_counter() - started
            run.speech_s += sum(s.end - s.start for s in segments)
            run.utterances.append(
                Heard(
                    text,
                    result.intent if result else None,
                    dict(result.slots) if result else {},
                    latency,
                    published,
                )
            )

        for start in range(0, len(samples), BLOCK):
            before = stream.utterances
            started = time.perf_counter()
            segments = stream.feed(samples[start : start + BLOCK])
            ended = stream.utterances > before
            if ended and run.end_sample is None:
                run.end_sample = min(len(samples), start + BLOCK)
            handle(segments, started, ended)
        before = stream.utterances
        started = time.perf_counter()
        segments = stream.finish()
        ended = stream.utterances > before
        if ended and run.end_sample is None:
            run.end_sample = len(samples)
        handle(segments, started, ended)
        return run

    def baseline(self, audio: np.ndarray, matcher: Any) -> tuple[Heard, float]:
        """Plain faster-whisper on ``audio`` + match + publish: (what it heard, seconds)."""
        started = time.perf_counter()
        pieces, _ = self.transcriber.whisper.transcribe(audio, language="en", beam_size=5)
        text = " ".join(p.text.strip() for p in pieces).strip()
        result = matcher.match(text)
        if result.intent:
            self.publisher.publish(result)
        elapsed = time.perf_counter() - started
        return Heard(text, result.intent, dict(result.slots), elapsed, bool(result.intent)), elapsed


def percentile_ms(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else None
