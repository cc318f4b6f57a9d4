"""Streaming voice activity: audio blocks in, utterance events out, plus a speech flag.

:class:`VoiceActivity` cuts blocks of any length into the VAD's 512-sample windows, runs
the model and feeds the endpointer. :class:`ActivityFlag` turns those events into a plain
"people are talking" on/off for occupancy: it never sees or keeps audio. Both are driven by
sample counts, never the wall clock, so they are deterministic.
"""

from collections.abc import Callable, Sequence

import numpy as np

from speech.audio.source import SAMPLE_RATE
from speech.vad.endpointer import Endpointer, Event, SpeechStarted, UtteranceEnded
from speech.vad.silero import WINDOW, SileroVad


class ActivityFlag:
    """On at :class:`SpeechStarted`; off once no utterance has been open for ``hold_s``.

    ``on_change(active, at_s)`` is called on every change, ``at_s`` in seconds from the
    stream start: the utterance's (padded) start when it goes on, exactly ``hold_s`` after
    the last utterance's end when it goes off. Changes come out in time order.

    Feed it with :meth:`on_event` for each endpointer event and :meth:`advance` as the
    stream moves on (or :meth:`update` for both); :meth:`finish` at the end of the stream.
    """

    def __init__(
        self,
        on_change: Callable[[bool, float], None],
        hold_s: float = 5.0,
        sample_rate: int = SAMPLE_RATE,
    ) -> None:
        if not hold_s >= 0:
            raise ValueError(f"hold_s must not be negative, got {hold_s}")
        self.on_change = on_change
        self.sample_rate = sample_rate
        self._hold = round(hold_s * sample_rate)
        self.active = False
        self._open = False  # an utterance is open
        self._closed_at = 0  # end sample of the last utterance
        self._changed_at = 0  # sample of the last change: keeps changes in time order

    def on_event(self, event: Event) -> None:
        if isinstance(event, SpeechStarted):
            self._open = True
            if not self.active:
                self._set(True, event.start_sample)
        elif isinstance(event, UtteranceEnded):
            self._open = False
            self._closed_at = event.end_sample

    def advance(self, position: int) -> None:
        """The stream has reached ``position`` samples: go off if the hold has passed."""
        if self.active and not self._open and position - self._closed_at >= self._hold:
            self._set(False, self._closed_at + self._hold)

    def update(self, events: Sequence[Event], position: int) -> None:
        """``events`` were emitted once the stream reached ``position`` samples."""
        for event in events:
            self.on_event(event)
        self.advance(position)

    def finish(self, position: int) -> None:
        """End of stream: nothing more is known, so the flag goes off there."""
        self._open = False
        if self.active:
            self._set(False, position)

    def _set(self, active: bool, at: int) -> None:
        self.active = active
        self._changed_at = max(at, self._changed_at)
        self.on_change(active, self._changed_at / self.sample_rate)


class VoiceActivity:
    """Feeds a stream through :class:`SileroVad` and an :class:`Endpointer`.

    Samples short of a full window wait for the next block; at :meth:`finish` fewer than
    512 left over (under 32 ms) are dropped.
    """

    def __init__(
        self, vad: SileroVad, endpointer: Endpointer, flag: ActivityFlag | None = None
    ) -> None:
        if endpointer.window != WINDOW:
            raise ValueError(f"the endpointer must count {WINDOW}-sample windows")
        self.vad = vad
        self.endpointer = endpointer
        self.flag = flag
        self._pending = np.zeros(0, dtype=np.float32)
        vad.reset()  # a new stream

    @property
    def position(self) -> int:
        """Samples that went through the VAD so far."""
        return self.endpointer.position

    def feed(self, samples: np.ndarray) -> list[Event]:
        data = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32).ravel()])
        usable = len(data) - len(data) % WINDOW
        self._pending = data[usable:]
        events: list[Event] = []
        if usable == 0:
            return events
        for probability in self.vad.probabilities(data[:usable]):
            new = self.endpointer.feed(float(probability))
            if self.flag is not None:
                self.flag.update(new, self.endpointer.position)
            events += new
        return events

    def finish(self) -> list[Event]:
        self._pending = np.zeros(0, dtype=np.float32)
        events = self.endpointer.finish()
        if self.flag is not None:
            self.flag.update(events, self.endpointer.position)
            self.flag.finish(self.endpointer.position)
        return events
