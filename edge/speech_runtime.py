"""The terminal's speech side, wired: model, microphone, button, hub commands, minutes.

:func:`load_speech` runs once at terminal start when ``speech.enabled``: it loads the Whisper
model and checks the microphone, so a missing model or PortAudio is a clear error at start
(the terminal then goes on sensing occupancy without speech). :class:`SpeechRuntime` owns
one worker thread that carries out the hub's ``cmd/minutes`` commands, the buttons' presses
and the room-only voice commands in the order they came, so neither paho's network thread
nor gpiozero's ever waits on the publisher or the spool.

The microphone is opened once and shared (``edge.microphone``): the voice-command listener
(``edge.voice``) hears it all the time, the speech-activity listener between sessions and a
session during one; the mute switch (``edge.mute``) silences it for all of them.
"""

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho

from common.clock import Clock
from contract.commands import MINUTES_TARGET, decode_minutes_command
from contract.messages import ContractError
from contract.terminal_config import SpeechSection
from edge.command_router import CommandRouter
from edge.consent import Consent, MinutesLight, load_piper_announcer
from edge.microphone import SharedMicrophone
from edge.minutes import ActivityFlag, Minutes
from edge.minutes_delete import SessionEraser
from edge.minutes_types import FlagListener
from edge.mute import MuteControl
from edge.paced_source import PacedSource
from edge.publisher import Publisher
from edge.speech_listener import ActivityListener
from edge.speech_pipelines import detector_factory, pipeline_factory
from edge.voice import VoiceCommands
from speech.audio.source import AudioError, AudioSource

log = logging.getLogger(__name__)

Job = Callable[[], None]


class SpeechUnavailable(RuntimeError):
    """Speech is enabled but cannot run here; the message says why and what to fix."""


class SpeechRuntime:
    """Minutes sessions driven by hub commands and a button, on one worker thread."""

    def __init__(
        self,
        minutes: Minutes,
        button: Any = None,
        listener: ActivityListener | None = None,
        *,
        off_record_button: Any = None,
        consent: Consent | None = None,
        microphone: SharedMicrophone | None = None,
        mute: MuteControl | None = None,
    ) -> None:
        self.minutes = minutes
        self.listener = listener
        self.microphone = microphone  # closed last
        self.mute = mute
        self.voice: VoiceCommands | None = None  # set by load_speech: it needs submit()
        self.announcer = consent.announcer if consent is not None else None  # shared
        self._button = button  # a gpiozero Button, or None
        self._off_record_button = off_record_button  # toggles off the record
        self._consent = consent  # closed (the light off) at the end
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def attach(self, router: CommandRouter) -> None:
        router.add(MINUTES_TARGET, self.on_command)
        if self.voice is not None:
            self.voice.attach(router)

    def submit(self, job: Job) -> None:
        """Run ``job`` on the worker, after what came before (any thread)."""
        self._jobs.put(job)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="speech", daemon=True)
        self._thread.start()
        if self.mute is not None:
            self.mute.start()  # the switch's position first: nothing is heard if it mutes
        if self.voice is not None:
            self.voice.start()
        if self.listener is not None:
            self.listener.resume()
        if self._button is not None:
            self._button.when_pressed = self.press
        if self._off_record_button is not None:
            self._off_record_button.when_pressed = self.press_off_record

    def on_command(self, message: paho.MQTTMessage) -> None:
        """A ``cmd/minutes`` message (paho's thread): decode here, act on the worker."""
        try:
            command = decode_minutes_command(bytes(message.payload))
        except ContractError as exc:
            log.warning("ignoring a bad minutes command on %s: %s", message.topic, exc)
            return
        self._jobs.put(lambda: self.minutes.handle(command))

    def press(self) -> None:
        """The minutes button was pressed (gpiozero's thread)."""
        self._jobs.put(self.minutes.toggle)

    def press_off_record(self) -> None:
        """The off-the-record button was pressed (gpiozero's thread)."""
        self._jobs.put(self.minutes.toggle_off_record)

    def close(self) -> None:
        """Stop a running session (its last segments and stop are published), then the worker."""
        if self.voice is not None:
            self.voice.close()  # no new commands while the rest shuts down
        for button in (self._button, self._off_record_button):
            if button is not None:
                button.when_pressed = None
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        self.minutes.close()
        if self.listener is not None:
            self.listener.pause()
        for button in (self._button, self._off_record_button):
            if button is not None:
                button.close()
        if self._consent is not None:
            self._consent.close()
        if self.mute is not None:
            self.mute.close()
        if self.microphone is not None:
            self.microphone.close()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # one bad command must not end minutes for good
                log.exception("minutes: a command failed")


def load_speech(
    settings: SpeechSection,
    publisher: Publisher,
    clock: Clock,
    *,
    speech_from: Path | None = None,
    pin_factory: Any = None,
    realtime: bool = False,
    on_activity: FlagListener | None = None,
) -> SpeechRuntime:
    """Build the real runtime (loads the model: about half a second), or SpeechUnavailable.

    ``realtime``: play ``speech_from`` at its own pace, like a microphone. ``on_activity``
    hears every change of the speech-activity flag (occupancy fusion)."""
    transcriber = _load_transcriber(settings)
    # A file read as fast as it is taken waits for its slowest consumer; a microphone (or a
    # file at its own pace) waits for nobody.
    microphone = SharedMicrophone(
        _source_factory(settings, speech_from, realtime),
        lossless=speech_from is not None and not realtime,
    )
    open_source = microphone.subscribe
    activity = ActivityFlag(publisher, enabled=settings.activity, on_change=on_activity)
    record_dir = Path(settings.record_dir) if settings.record_audio else None
    listener = None
    if settings.activity and speech_from is None:  # a file is for sessions, not listening
        listener = ActivityListener(open_source, detector_factory(settings), activity, clock)
    consent = _consent(settings, pin_factory)
    minutes = Minutes(
        publisher,
        clock,
        open_source,
        pipeline_factory(transcriber, settings),
        activity=activity,
        record_dir=record_dir,
        listener=listener,
        consent=consent,
        eraser=SessionEraser(publisher.purge_session, Path(settings.record_dir)),
        default_language=settings.language,
    )
    mute = MuteControl(
        microphone, _button(settings.mute_switch, pin_factory), _led(settings.mute_led, pin_factory)
    )
    runtime = SpeechRuntime(
        minutes,
        _button(settings.minutes_button, pin_factory),
        listener,
        off_record_button=_button(settings.off_record_button, pin_factory),
        consent=consent,
        microphone=microphone,
        mute=mute,
    )
    # With --speech-from and speech off in the config, the file is for minutes only (each
    # session hears it from its start); with voice commands it is the room, heard once.
    if settings.enabled and settings.voice_commands:
        from edge.voice_setup import load_voice_for

        # A microphone that ends (unplugged) is opened again; a file is played once.
        replay = speech_from is None
        runtime.voice = load_voice_for(
            runtime, settings, transcriber, publisher, clock, pin_factory, replay=replay
        )
    return runtime


def _led(pin: str | None, pin_factory: Any) -> Any:
    if pin is None:
        return None
    from gpiozero import LED

    return LED(pin, pin_factory=pin_factory)


def _button(pin: str | None, pin_factory: Any) -> Any:
    if pin is None:
        return None
    from gpiozero import Button

    return Button(pin, pin_factory=pin_factory, bounce_time=0.05)


def _consent(settings: SpeechSection, pin_factory: Any) -> Consent:
    """The light (if configured) and the spoken announcement (if on and a voice plays)."""
    light = None
    if settings.minutes_led is not None:
        light = MinutesLight(_led(settings.minutes_led, pin_factory))
    announcer = load_piper_announcer() if settings.announce else None
    return Consent(light, announcer)


def _load_transcriber(settings: SpeechSection) -> Any:
    try:
        from speech.models import ModelError
        from speech.transcriber import Transcriber, TranscriberSettings
    except ImportError as exc:
        raise SpeechUnavailable(f"the speech package cannot be imported: {exc}") from exc
    wanted = TranscriberSettings(
        model=settings.model, language=settings.language, threads=settings.threads
    )
    try:
        return Transcriber.load(wanted)
    except ModelError as exc:
        raise SpeechUnavailable(f"cannot load the speech model {settings.model!r}: {exc}") from exc


def _source_factory(
    settings: SpeechSection, speech_from: Path | None, realtime: bool = False
) -> Callable[[], AudioSource]:
    from speech.audio.sources import FileSource, MicrophoneSource

    channel = settings.microphone.channel
    if speech_from is not None:
        if not speech_from.is_file():
            raise SpeechUnavailable(f"--speech-from {speech_from}: no such file")
        if realtime:
            return lambda: PacedSource(FileSource(speech_from, channel))
        return lambda: FileSource(speech_from, channel)
    device = settings.microphone.device
    try:
        MicrophoneSource(device, channel).close()  # PortAudio there, and the device found?
    except AudioError as exc:
        raise SpeechUnavailable(f"no microphone: {exc}") from exc
    return lambda: MicrophoneSource(device, channel)
