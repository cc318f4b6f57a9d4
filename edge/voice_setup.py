"""Voice commands wired for the terminal: the model already loaded for minutes, the room
grammar in the configured language, the wake phrases, the push-to-talk button, the LED and
the local voice.

Called by :func:`edge.speech_runtime.load_speech` when ``speech.enabled`` and
``speech.voice_commands``. Anything missing here (a grammar, the matcher) costs the voice
commands only, never minutes: :class:`VoiceUnavailable` says why, and the terminal logs it.
"""

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.clock import Clock
from contract.terminal_config import SpeechSection
from edge.consent import Announcer, load_piper_announcer
from edge.microphone import SharedMicrophone
from edge.minutes import Minutes
from edge.mute import MuteControl
from edge.publisher import Publisher
from edge.voice import Job, VoiceCommands
from edge.voice_feedback import ReplySpeaker, VoiceLight

if TYPE_CHECKING:
    from edge.speech_runtime import SpeechRuntime

log = logging.getLogger(__name__)

GRAMMARS = Path(__file__).resolve().parents[1] / "speech" / "intents" / "grammars"
LANGUAGES = ("en", "zh")  # the room grammars shipped


class VoiceUnavailable(RuntimeError):
    """Voice commands cannot run here; the message says why."""


def command_language(configured: str) -> str:
    """The grammar's language: the configured one if a room grammar exists, else English
    (``auto`` included: one grammar is matched per terminal)."""
    return configured if configured in LANGUAGES else "en"


def load_voice_for(
    runtime: "SpeechRuntime",
    settings: SpeechSection,
    transcriber: Any,
    publisher: Publisher,
    clock: Clock,
    pin_factory: Any = None,
    *,
    replay: bool = True,
) -> VoiceCommands | None:
    """Voice commands for ``runtime`` (its microphone, minutes, mute, job queue and voice),
    or None and a log line saying why not: minutes still work without them."""
    assert runtime.microphone is not None
    try:
        return load_voice(
            settings,
            transcriber,
            runtime.microphone,
            publisher,
            clock,
            runtime.minutes,
            runtime.submit,
            mute=runtime.mute,
            pin_factory=pin_factory,
            announcer=runtime.announcer,
            replay=replay,
        )
    except VoiceUnavailable as exc:
        log.error("voice commands are off: %s", exc)
        return None


def load_voice(
    settings: SpeechSection,
    transcriber: Any,
    microphone: SharedMicrophone,
    publisher: Publisher,
    clock: Clock,
    minutes: Minutes,
    submit: Callable[[Job], None],
    *,
    mute: MuteControl | None,
    pin_factory: Any = None,
    announcer: Announcer | None = None,
    replay: bool = True,
) -> VoiceCommands:
    """``replay``: open the microphone again if it ends (False for a file: played once)."""
    language = command_language(settings.language)
    listener, phrases = _listener(settings, transcriber, language)
    light = None
    if settings.voice_led is not None:
        from gpiozero import LED

        light = VoiceLight(LED(settings.voice_led, pin_factory=pin_factory))
    button = None
    if settings.talk_button is not None:
        from gpiozero import Button

        button = Button(settings.talk_button, pin_factory=pin_factory, bounce_time=0.05)
    if announcer is None:
        announcer = load_piper_announcer()
    speaker = ReplySpeaker(announcer, microphone) if announcer is not None else None
    log.info(
        "voice commands on (%s): wake phrase %s, push-to-talk %s, replies %s",
        language,
        ", ".join(repr(p) for p in phrases) or "none",
        settings.talk_button or "none",
        "spoken and shown" if speaker is not None else "shown",
    )
    return VoiceCommands(
        listener,
        microphone.subscribe,
        publisher,
        clock,
        minutes,
        submit,
        mute=mute,
        talk_button=button,
        light=light,
        speaker=speaker,
        resubscribe_s=2.0 if replay else None,
    )


def _listener(settings: SpeechSection, transcriber: Any, language: str) -> tuple[Any, list[str]]:
    """The command listener, and its wake phrases (none: push-to-talk only)."""
    try:
        from speech.intents.grammar import GrammarError
        from speech.intents.listener import CommandListener, ListenerSettings
        from speech.intents.loading import load_grammar
        from speech.intents.matcher import Matcher
        from speech.intents.wake import WakePhrases
        from speech.models import ModelError
        from speech.short_window import ShortWindowTranscriber
        from speech.transcriber import Transcriber
        from speech.vad.endpointer import EndpointerSettings
    except ImportError as exc:
        raise VoiceUnavailable(f"the voice-command engine cannot be imported: {exc}") from exc
    try:
        grammar = load_grammar(GRAMMARS / f"room_{language}.yaml", language)
    except GrammarError as exc:
        raise VoiceUnavailable(f"cannot load the room grammar: {exc}") from exc
    if transcriber.language != language:
        # The loaded model, told the command language: no second load.
        try:
            transcriber = Transcriber(
                transcriber.whisper,
                transcriber.model,
                replace(transcriber.settings, language=language),
            )
        except ModelError as exc:
            raise VoiceUnavailable(f"no {language} commands with this model: {exc}") from exc
    wake = None
    if settings.wake_phrases is None:
        wake = WakePhrases.default(language)
    elif settings.wake_phrases:
        wake = WakePhrases(settings.wake_phrases, language)
    endpointing = EndpointerSettings(end_silence_s=settings.end_silence)
    # No hotword prompt: "Quorum" as a hint made tiny.en drop the phrase more often
    # (speech/intents/wake.py). Commands are decoded on a 10 s encoder window, a quarter
    # of the full window's work (speech/short_window.py).
    listener = CommandListener(
        ShortWindowTranscriber(transcriber),
        Matcher(grammar, roster=()),
        wake=wake,
        settings=ListenerSettings(endpointing=endpointing),
    )
    return listener, list(wake.phrases) if wake is not None else []
