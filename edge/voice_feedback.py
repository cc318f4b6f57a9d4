"""How the terminal answers a voice command: an LED pattern and, when it can, a spoken reply.

:class:`VoiceLight` drives ``speech.voice_led`` (a gpiozero ``LED``) on a thread of its own,
so a pattern never holds up the command listener or the runtime's jobs:

- ``ok``: two short blinks: done;
- ``refused``: one long blink: the hub (or the room) said no;
- ``not_understood``: three quick flickers: a command was heard, but no intent;
- ``listening``: one short blink: push-to-talk, or the wake phrase alone: say the command;
- waiting: a slow blink until the hub replies (at most 10 s).

:class:`ReplySpeaker` says the hub's ``say`` through the local voice (``edge.consent``'s
announcer), with the shared microphone held meanwhile: neither the command listener nor a
minutes session hears the terminal itself.
"""

import logging
import queue
import threading
from typing import Any

from edge.consent import Announcer
from edge.microphone import SharedMicrophone

log = logging.getLogger(__name__)

#: (on_time, off_time, blinks) of each pattern, in seconds.
PATTERNS: dict[str, tuple[float, float, int]] = {
    "ok": (0.15, 0.15, 2),
    "refused": (1.0, 0.2, 1),
    "not_understood": (0.06, 0.06, 3),
    "listening": (0.1, 0.1, 1),
}
WAITING = (0.2, 1.3)  # slow blink, for as long as a reply is awaited
PLAYBACK_HOLD = "playback"
_STOP = object()


class VoiceLight:
    """Patterns on an LED; :attr:`shown` keeps their names (logs, tests)."""

    def __init__(self, led: Any, time_scale: float = 1.0) -> None:
        self._led = led
        self._scale = time_scale  # tests play the patterns faster
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._waiting = False
        self.shown: list[str] = []
        self._thread = threading.Thread(target=self._run, name="voice-light", daemon=True)
        self._thread.start()

    def show(self, pattern: str) -> None:
        if pattern not in PATTERNS:
            raise ValueError(f"unknown LED pattern {pattern!r}")
        self.shown.append(pattern)
        self._queue.put(pattern)

    def waiting(self, on: bool) -> None:
        """Blink slowly while ``on`` (between patterns too)."""
        if on != self._waiting:
            self._waiting = on
            self._queue.put(None)  # re-evaluate the idle look

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(5.0)
        try:
            self._led.close()
        except Exception as exc:
            log.debug("voice light: %s", exc)

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            try:
                if isinstance(item, str):
                    on_time, off_time, n = PATTERNS[item]
                    self._led.off()
                    self._led.blink(
                        on_time=on_time * self._scale,
                        off_time=off_time * self._scale,
                        n=n,
                        background=False,
                    )
                if self._queue.empty():  # nothing else to show: the idle look
                    if self._waiting:
                        self._led.blink(on_time=WAITING[0], off_time=WAITING[1])
                    else:
                        self._led.off()
            except Exception as exc:  # a broken LED must not stop voice commands
                log.warning("voice light: %s", exc)


class ReplySpeaker:
    """Says a reply in its language when the announcer has that voice; one at a time."""

    def __init__(self, announcer: Announcer, microphone: SharedMicrophone) -> None:
        self._announcer = announcer
        self._microphone = microphone
        self._lock = threading.Lock()  # replies do not talk over each other
        self.said: list[tuple[str, str]] = []

    def speaks(self, language: str) -> bool:
        return self._announcer.speaks(language)

    def say(self, text: str, language: str) -> threading.Thread | None:
        """Start saying ``text`` in a thread; None (nothing said) without a voice for it."""
        if not text or not self._announcer.speaks(language):
            return None
        thread = threading.Thread(
            target=self._run, args=(text, language), name="voice-reply", daemon=True
        )
        thread.start()
        return thread

    def _run(self, text: str, language: str) -> None:
        with self._lock:
            self._microphone.hold(PLAYBACK_HOLD)
            try:
                self._announcer.say(text, language)
                self.said.append((text, language))
            except Exception:
                log.exception("voice: saying the reply failed")
            finally:
                self._microphone.release(PLAYBACK_HOLD)
