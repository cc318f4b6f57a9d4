"""Commands from audio: the streaming pipeline, then the matcher. The model is loaded once for
any number of utterances.

Only the roster's names go to Whisper as hints. The grammar's whole vocabulary as hotwords
made tiny.en repeat short commands ("we are here we are here"), which the matcher then
rejects: 75 % of clean commands right with them, 91 % without (bench/commands.py --hints).
"""

from dataclasses import dataclass
from pathlib import Path

from speech.file_transcription import transcribe_file
from speech.grouping import GroupingSettings
from speech.intents.loading import load_grammar
from speech.intents.matcher import IntentResult, Matcher
from speech.prompt import Prompt
from speech.transcriber import Transcriber, TranscriberSettings, join_texts

# A command is one utterance: never wait to group it with the next.
ALONE = GroupingSettings(min_group_s=0.0)


@dataclass
class CommandRecognizer:
    matcher: Matcher
    transcriber: Transcriber
    prompt: Prompt | None

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
        return cls(Matcher(grammar, roster or (), threshold=threshold), transcriber, prompt)

    def recognize_file(self, path: Path) -> tuple[str, IntentResult]:
        """(what was heard, what it means); AudioError for a file that cannot be read."""
        heard = transcribe_file(
            path,
            self.transcriber.settings,
            prompt=self.prompt,
            transcriber=self.transcriber,
            grouping=ALONE,
        )
        text = join_texts(heard.segments)
        return text, self.matcher.match(text)
