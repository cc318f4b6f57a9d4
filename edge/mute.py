"""The privacy switch: while muted, nothing the microphone hears reaches any consumer.

Two ways to mute, one state:

- the hardware switch (``speech.mute_switch``, a gpiozero ``Button`` used as a switch:
  closed = muted) rules: while it is closed nothing unmutes;
- the voice command ``mute`` mutes in software. Software mute ends when someone presses
  the push-to-talk button or toggles the switch (either way): both are deliberate acts of
  a person in the room, and the microphone cannot hear an "unmute" while muted.

Muting holds the :class:`~edge.microphone.SharedMicrophone` (silence to every consumer: a
minutes session keeps running and hearing nothing, its clock right) and tells the listeners
(``on_change``: the voice-command listener forgets the utterance under way). The mute LED
(``speech.mute_led``) is on while muted.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any

from edge.microphone import SharedMicrophone

log = logging.getLogger(__name__)

MUTE_HOLD = "mute"


class MuteControl:
    def __init__(
        self,
        microphone: SharedMicrophone,
        switch: Any = None,
        led: Any = None,
    ) -> None:
        self._microphone = microphone
        self._switch = switch  # a gpiozero Button, or None
        self._led = led  # a gpiozero LED, or None
        self._lock = threading.Lock()
        self._hardware = False
        self._software = False
        self._listeners: list[Callable[[bool], None]] = []

    def on_change(self, listener: Callable[[bool], None]) -> None:
        """``listener(muted)`` after every change of the state (any thread)."""
        self._listeners.append(listener)

    @property
    def muted(self) -> bool:
        with self._lock:
            return self._hardware or self._software

    @property
    def hardware(self) -> bool:
        with self._lock:
            return self._hardware

    def start(self) -> None:
        """Follow the switch, starting from where it stands now."""
        if self._switch is None:
            return
        self._switch.when_pressed = lambda: self.switch_changed(True)
        self._switch.when_released = lambda: self.switch_changed(False)
        self.switch_changed(bool(self._switch.is_pressed))

    def switch_changed(self, closed: bool) -> None:
        """The switch moved (gpiozero's thread): it decides, and ends a software mute."""
        self._update(lambda: self._set(hardware=closed, software=False), f"switch {closed}")

    def mute_by_voice(self) -> bool:
        """The ``mute`` voice command; False if already muted."""
        with self._lock:
            if self._hardware or self._software:
                return False
        self._update(lambda: self._set(software=True), "voice")
        return True

    def talk_pressed(self) -> bool:
        """Push-to-talk: ends a software mute. False while the switch mutes (no command)."""
        with self._lock:
            if self._hardware:
                log.info("mute: push-to-talk ignored: the mute switch is on")
                return False
            was = self._software
        if was:
            self._update(lambda: self._set(software=False), "push-to-talk")
        return True

    def close(self) -> None:
        if self._switch is not None:
            self._switch.when_pressed = self._switch.when_released = None
            self._switch.close()
        if self._led is not None:
            self._led.close()

    def _set(self, *, hardware: bool | None = None, software: bool | None = None) -> None:
        if hardware is not None:
            self._hardware = hardware
        if software is not None:
            self._software = software

    def _update(self, change: Callable[[], None], why: str) -> None:
        with self._lock:
            before = self._hardware or self._software
            change()
            after = self._hardware or self._software
            # The hold changes under the lock: two threads cannot leave it out of step.
            if after:
                self._microphone.hold(MUTE_HOLD)
            else:
                self._microphone.release(MUTE_HOLD)
        if after == before:
            return
        log.info("mute: microphone %s (%s)", "muted" if after else "on", why)
        if self._led is not None:
            try:
                self._led.on() if after else self._led.off()
            except Exception as exc:  # a broken LED must not keep the microphone on
                log.warning("mute light: %s", exc)
        for listener in self._listeners:
            try:
                listener(after)
            except Exception:
                log.exception("mute: a listener failed")
