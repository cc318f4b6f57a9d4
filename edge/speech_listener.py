"""Between minutes sessions: the microphone through the VAD only, for the speech-activity flag.

Occupancy wants to know that people are talking in the room whether or not anyone asked for
minutes. So while no session runs, a listener reads the microphone and runs Silero VAD and
the endpointer on it (about 1 % of a core), and nothing else: no Whisper, no text, and the
audio is dropped block by block. A minutes session needs the microphone for itself, so it
pauses the listener first and resumes it when it ends (its own pipeline keeps the flag going
meanwhile, from the same VAD).
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np

from common.clock import Clock
from speech.audio.source import AudioSource

log = logging.getLogger(__name__)

ActivityCallback = Callable[[bool, float], None]


class Detector(Protocol):
    """``speech.vad.activity.VoiceActivity`` fits."""

    def feed(self, samples: np.ndarray) -> object: ...


class FlagSink(Protocol):
    """``edge.minutes.ActivityFlag`` fits: publishes a change, ignores a repeat."""

    def set(self, active: bool, at: datetime) -> None: ...


class ActivityListener:
    def __init__(
        self,
        open_source: Callable[[], AudioSource],
        make_detector: Callable[[ActivityCallback], Detector],
        flag: FlagSink,
        clock: Clock,
    ) -> None:
        self._open_source = open_source
        self._make_detector = make_detector
        self._flag = flag
        self._clock = clock
        self._lock = threading.Lock()
        self._source: AudioSource | None = None
        self._thread: threading.Thread | None = None

    @property
    def listening(self) -> bool:
        with self._lock:
            return self._thread is not None

    def resume(self) -> None:
        """Start listening (no-op if listening). A microphone that cannot open is logged:
        the flag then waits for the next minutes session."""
        with self._lock:
            if self._thread is not None:
                return
            try:
                source = self._open_source()
            except Exception as exc:
                log.warning("speech activity: cannot open the microphone: %s", exc)
                return
            self._source = source
            self._thread = threading.Thread(
                target=self._run, args=(source, self._clock.now()), name="speech-activity"
            )
            self._thread.daemon = True
            self._thread.start()

    def pause(self, timeout: float = 5.0) -> None:
        """Stop listening and give the microphone back. The flag keeps its state: a session
        starting now goes on from it, so a meeting does not read as a pause in the talking."""
        with self._lock:
            source, thread = self._source, self._thread
            self._source = self._thread = None
        if source is not None:
            source.close()
        if thread is not None:
            thread.join(timeout)

    def _run(self, source: AudioSource, started_at: datetime) -> None:
        def changed(active: bool, at_s: float) -> None:
            self._flag.set(active, started_at + timedelta(seconds=max(0.0, at_s)))

        try:
            detector = self._make_detector(changed)
            for block in source.blocks():
                detector.feed(block)  # the events only drive the flag; the audio is gone
        except Exception:
            log.exception("speech activity: the listener failed")
        finally:
            source.close()
            with self._lock:  # ended by itself (a microphone unplugged): resume may retry
                if self._thread is threading.current_thread():
                    self._source = self._thread = None
