"""Commands from audio files, heard the way the terminal hears them: each file goes through the
command listener (voice activity, Whisper on the short encoder window, the matcher, a
runner-up of the beam when Whisper's best text is no command), as if push-to-talk were held
for the whole file. The model is loaded once for any number of files.

Only the roster's names go to Whisper as hints. The grammar's whole vocabulary as hotwords
made tiny.en repeat short commands ("we are here we are here"), which the matcher then
rejected: 75 % of clean commands right with them, 91 % without (an earlier bench run).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speech.audio.source import SAMPLE_RATE
from speech.audio.sources import read_audio
from speech.intents.listener import CommandListener, HeardCommand
from speech.intents.loading import load_grammar
from speech.intents.matcher import IntentResult, Matcher
from speech.intents.wake import WakePhrases
from speech.prompt import Prompt
from speech.short_window import ShortWindowTranscriber
from speech.transcriber import Transcriber, TranscriberSettings

# Silence around the file: the endpointer needs some after the last word to end it.
LEAD_S, TAIL_S = 0.3, 1.0
BLOCK = 512


@dataclass
class CommandRecognizer:
    matcher: Matcher
    listener: CommandListener

    @classmethod
    def load(
        cls,
        grammar_path: Path,
        *,
        language: str = "en",
        model: str | None = None,
        roster: list[str] | None = None,
        threshold: float = 0.75,
    ) -> "CommandRecognizer":
        """Raises GrammarError, ModelError or VadModelError (each says what to fix)."""
        grammar = load_grammar(grammar_path, language)
        if not grammar.language:
            grammar.language = language
        chosen = model or ("tiny.en" if language == "en" else "base")
        transcriber = Transcriber.load(TranscriberSettings(model=chosen, language=language))
        prompt = Prompt(hotwords=", ".join(roster)) if roster else None
        matcher = Matcher(grammar, roster or (), threshold=threshold)
        listener = CommandListener(
            ShortWindowTranscriber(transcriber),
            matcher,
            wake=WakePhrases.default(language),  # a recording may start with it: removed
            prompt=prompt,
        )
        return cls(matcher, listener)

    def recognize_file(self, path: Path) -> tuple[str, IntentResult]:
        """(what was heard, what it means); AudioError for a file that cannot be read."""
        audio = read_audio(path)
        silence = np.zeros(round(LEAD_S * SAMPLE_RATE), np.float32)
        tail = np.zeros(round(TAIL_S * SAMPLE_RATE), np.float32)
        samples = np.concatenate([silence, audio, tail])
        self.listener.reset()
        heard: list[HeardCommand] = []
        for start in range(0, len(samples), BLOCK):
            self.listener.arm()  # every utterance of the file is part of the command
            heard += self.listener.feed(samples[start : start + BLOCK])
        heard += self.listener.finish()
        return self.decide([h for h in heard if not h.wake_only])

    def decide(self, heard: list[HeardCommand]) -> tuple[str, IntentResult]:
        """One utterance: its command. Several (a pause in the middle of the command): the
        whole text, else the first utterance that was a command on its own."""
        if not heard:
            return "", IntentResult(None, {}, 0.0, "")
        text = " ".join(h.text for h in heard)
        if len(heard) == 1:
            return text, heard[0].result
        whole = self.matcher.match(" ".join(h.command_text for h in heard))
        if whole.intent is not None:
            return text, whole
        return text, next((h.result for h in heard if h.accepted), whole)

    def close(self) -> None:
        self.listener.close()
