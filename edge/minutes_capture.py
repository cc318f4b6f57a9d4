"""What of the microphone a minutes session keeps: capture, off the record, and silence for
the consent announcement.

The microphone is read all session long (PortAudio must be drained, and counting every sample
keeps segment times on the session's clock), but blocks reach the pipeline only while
capture is on. A :class:`CaptureGate` is *held* for a reason (``off_record``: the session is
paused; ``announcement``: the terminal is saying that minutes are taken, and must not
transcribe itself); while any hold is on, blocks are dropped.

Capture comes in *spans*: each time capture (re)starts, the session runs a fresh pipeline on
a :class:`CaptureSpan`. When a hold begins mid-span, the span raises :class:`CapturePaused`
into the pipeline, which abandons what it has not transcribed yet: the utterance in progress
(and a short one just before it, still waiting to be grouped with it) is never transcribed.
A span's ``offset_s`` is where it starts on the session's clock: segment times are the
pipeline's times plus that offset, so the paused stretch simply has no segments.
"""

import logging
from collections.abc import Iterator

import numpy as np

from edge.holds import Holds
from edge.recording import WavWriter
from speech.audio.source import SAMPLE_RATE, AudioSource

log = logging.getLogger(__name__)

OFF_RECORD = "off_record"
ANNOUNCEMENT = "announcement"


class CapturePaused(Exception):
    """Raised into the pipeline when capture stops mid-span: drop what it holds."""


class CaptureGate:
    """The session's microphone, with holds. ``spans()`` runs on the session's thread;
    ``hold``/``release``/``close`` come from any thread."""

    def __init__(self, source: AudioSource, recording: WavWriter | None = None) -> None:
        self._source = source
        self._recording = recording
        self._holds = Holds()
        self._blocks: Iterator[np.ndarray] | None = None
        self.samples = 0  # every sample the microphone gave, kept or dropped
        self.dropped = 0  # of those, dropped while held

    @property
    def held(self) -> bool:
        return self._holds.held

    def hold(self, why: str) -> None:
        self._holds.hold(why)

    def release(self, why: str) -> None:
        self._holds.release(why)

    def close(self) -> None:
        """Close the microphone: the current span (or the wait for one) ends."""
        self._source.close()

    def spans(self) -> Iterator["CaptureSpan"]:
        """A span each time capture (re)starts, until the microphone ends."""
        if self._blocks is None:
            self._blocks = iter(self._source.blocks())
        try:
            while (block := self._pull()) is not None:
                if self.held:
                    self._drop(block)
                    continue
                span = CaptureSpan(self, block, (self.samples - len(block)) / SAMPLE_RATE)
                yield span
                if span.exhausted:
                    return
        finally:
            self.finish()

    def finish(self) -> None:
        """The session is over: finish the recording (if any)."""
        if self._recording is not None:
            self._recording.close()

    def _pull(self) -> np.ndarray | None:
        assert self._blocks is not None
        block = next(self._blocks, None)
        if block is not None:
            self.samples += len(block)
        return block

    def _drop(self, block: np.ndarray) -> None:
        self.dropped += len(block)
        if self._recording is not None:
            self._recording.write_silence(len(block))

    def _keep(self, block: np.ndarray) -> None:
        if self._recording is not None:
            self._recording.write(block)


class CaptureSpan:
    """An :class:`AudioSource` for one pipeline run: the microphone from ``offset_s`` on,
    until the microphone ends (``exhausted``) or capture is held (:class:`CapturePaused`)."""

    def __init__(self, gate: CaptureGate, first: np.ndarray, offset_s: float) -> None:
        self._gate = gate
        self._first: np.ndarray | None = first
        self.offset_s = offset_s
        self.exhausted = False

    def blocks(self) -> Iterator[np.ndarray]:
        block, self._first = self._first, None
        while block is not None:
            if self._gate.held:
                self._gate._drop(block)
                raise CapturePaused
            self._gate._keep(block)
            yield block
            block = self._gate._pull()
        self.exhausted = True

    def close(self) -> None:
        """The pipeline is done with this span; the microphone stays open (the gate owns it)."""
