"""The speech pipelines the terminal runs: the VAD alone (the speech-activity flag between
sessions) and the streaming transcriber (a minutes session), made per use from the settings."""

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from contract.terminal_config import SpeechSection
from edge.minutes import ActivityCallback, Pipeline, SessionOptions
from edge.speech_listener import Detector

log = logging.getLogger(__name__)


def detector_factory(settings: SpeechSection) -> Callable[[ActivityCallback], Detector]:
    """The VAD alone (no Whisper), for the speech-activity flag between sessions."""
    from speech.vad.activity import ActivityFlag as VadFlag
    from speech.vad.activity import VoiceActivity
    from speech.vad.endpointer import Endpointer, EndpointerSettings
    from speech.vad.silero import SileroVad

    endpointing = EndpointerSettings(end_silence_s=settings.end_silence)

    def make(on_change: ActivityCallback) -> Detector:
        return VoiceActivity(SileroVad(threads=1), Endpointer(endpointing), VadFlag(on_change))

    return make


def pipeline_factory(
    transcriber: Any, settings: SpeechSection
) -> Callable[[SessionOptions, ActivityCallback], Pipeline]:
    from speech.models import ModelError
    from speech.prompt import domain_prompt
    from speech.streaming import StreamingTranscriber, StreamSettings
    from speech.transcriber import Transcriber
    from speech.vad.endpointer import EndpointerSettings

    endpointing = EndpointerSettings(end_silence_s=settings.end_silence)

    def make(options: SessionOptions, on_activity: ActivityCallback) -> Pipeline:
        session_transcriber = transcriber
        if options.language not in ("auto", settings.language):
            # The loaded model, told another language: no second load.
            try:
                session_transcriber = Transcriber(
                    transcriber.whisper,
                    transcriber.model,
                    replace(transcriber.settings, language=options.language),
                )
            except ModelError as exc:
                log.warning("minutes: %s; using %s", exc, settings.language)
        stream = StreamSettings(
            endpointing=endpointing, prompt=domain_prompt(options.roster, options.title)
        )
        return StreamingTranscriber(session_transcriber, stream, on_activity=on_activity)

    return make
