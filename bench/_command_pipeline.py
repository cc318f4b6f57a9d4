"""bench/commands.py's pipeline: microphone-sized blocks through the command listener,
each accepted intent published through the terminal's spool and MQTT link (QoS 1) and timed
to its PUBACK."""

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench._command_inputs import BLOCK, SAMPLE_RATE, CannotRun

PREFIX = "bench"

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
    """The terminal's own way out: ``edge.link`` (the SQLite spool, the delivery worker, the
    MQTT connection) as ``python -m edge run`` wires it; an accepted command becomes an
    ``intent`` message, committed to the spool and published with QoS 1, and ``publish``
    returns once the broker's PUBACK is in."""

    def __init__(self, host: str, port: int, workdir: Path) -> None:
        from common.clock import SystemClock
        from common.mqtt import BrokerAddress
        from contract.envelope import new_boot_id
        from edge.link import SpoolSettings, open_link
        from edge.publisher import Identity, MessageBuilder, Sequencer

        self.clock = SystemClock()
        identity = Identity(
            prefix=PREFIX, room_id="bench-room", device_id="term-bench", boot=new_boot_id()
        )
        self.builder = MessageBuilder(identity, Sequencer())
        spool = SpoolSettings(workdir / "spool.sqlite", 100_000, 256 * 1024 * 1024, 30.0)
        address = BrokerAddress(host=host, port=port, keepalive_s=30)
        self.link = open_link(self.builder, address, spool, self.clock)
        self.link.deliverer.start()
        self.link.connection.start()
        if not self.link.publisher.online_announced.wait(10):
            raise CannotRun(f"cannot connect to the broker on {host}:{port}")
        self.count = 0

    def publish(self, result: Any, trigger: str = "ptt", language: str = "en") -> None:
        from contract.envelope import new_boot_id
        from contract.intent_data import IntentData

        now = self.clock.now()
        data = IntentData(
            utterance=new_boot_id(),
            intent=result.intent,
            slots={k: _slot_value(v) for k, v in result.slots.items()},
            confidence=result.confidence,
            text=result.text[:1000],
            trigger=trigger,
            said_at=now,
            language=language,
        )
        receipt = self.link.publisher.send(lambda: self.builder.intent(data, now))
        receipt.wait_for_publish(timeout=10)  # QoS 1: returns once the PUBACK is in
        if not receipt.is_published():
            raise CannotRun("the broker did not acknowledge a QoS 1 publish within 10 s")
        self.count += 1

    def close(self) -> None:
        self.link.deliverer.drain(2.0)
        self.link.connection.stop()
        self.link.deliverer.stop()
        self.link.spool.close()


def _slot_value(value: Any) -> Any:
    """Slot values as the terminal sends them: numbers and text as they are, else text."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


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
                self.publisher.publish(result, command.trigger, command.language)
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
            self.publisher.publish(result, "ptt", language)
        elapsed = time.perf_counter() - started
        return Heard(text, result.intent, dict(result.slots), elapsed, bool(result.intent))


def percentile_ms(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else None
