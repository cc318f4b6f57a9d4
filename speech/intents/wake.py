"""The wake phrase, spotted in what was heard: "Hey Quorum, release the room."

The terminal transcribes each utterance anyway (voice activity first, so only speech), so the
wake phrase is looked for in the text rather than by a separate keyword model: nothing more
to ship or download, and the same Whisper that hears the command hears the phrase. Whisper
needs no hint for it: with "Quorum" as a hotword, tiny.en dropped the phrase from 2 of 24
spoken commands, without it from none. Spotting is forgiving within reason: the phrase's
letters (characters, for Chinese) must make up at least ``similarity`` of the utterance's
first words, after at most one leading filler word ("um, hey quorum"). What follows is the
command.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from speech.intents.tokens import APOSTROPHES, TOKEN, Token, join, tokenize

DEFAULT_PHRASES = {
    "en": ("hey quorum", "okay quorum", "ok quorum", "hi quorum"),
    "zh": ("你好会议室", "嘿会议室", "hey quorum"),
}
# Words people put before the phrase ("so, hey quorum"); skipped at most once.
_LEADING_FILLERS = {"um", "uh", "so", "and", "oh", "嗯", "那"}


@dataclass(frozen=True)
class Spotted:
    """A wake phrase at the start of an utterance; ``rest`` is what followed it."""

    phrase: str
    rest: str
    heard: str = ""  # the phrase as written in the text, up to where ``rest`` starts


class WakePhrases:
    def __init__(
        self, phrases: Sequence[str], language: str = "en", similarity: float = 0.8
    ) -> None:
        cleaned = [" ".join(t.norm for t in tokenize(p)) for p in phrases]
        if not phrases or not all(cleaned):
            raise ValueError(f"wake phrases need at least one word each, got {list(phrases)}")
        self.phrases = list(phrases)
        self.language = language
        self.similarity = similarity
        self._wanted = [(phrase, _letters(tokenize(phrase))) for phrase in phrases]

    @classmethod
    def default(cls, language: str) -> "WakePhrases":
        return cls(DEFAULT_PHRASES.get(language.split("-")[0], DEFAULT_PHRASES["en"]), language)

    def spot(self, text: str) -> Spotted | None:
        """The wake phrase at the start of ``text`` and the words after it, or None."""
        tokens = tokenize(text)
        starts = [0, 1] if tokens and tokens[0].norm in _LEADING_FILLERS else [0]
        best: tuple[float, str, int] | None = None
        for phrase, wanted in self._wanted:
            for start in starts:
                for end in range(start + 1, min(len(tokens), start + 8) + 1):
                    heard = _letters(tokens[start:end])
                    if len(heard) > 2 * len(wanted):
                        break
                    score = SequenceMatcher(None, wanted, heard, autojunk=False).ratio()
                    if score >= self.similarity and (best is None or score > best[0]):
                        best = (score, phrase, end)
        if best is None:
            return None
        rest = join(tokens[best[2] :], self.language).strip()
        return Spotted(best[1], rest, _text_before(text, best[2]))


def _text_before(text: str, index: int) -> str:
    """``text`` up to its token number ``index`` (all of it when there are no more)."""
    found = list(TOKEN.finditer(text.translate(APOSTROPHES)))
    return text[: found[index].start()] if index < len(found) else text


def _letters(tokens: list[Token]) -> str:
    """The tokens without spaces or punctuation: 'Hey, Quorum' and 'hey quorum' alike."""
    return "".join(t.norm for t in tokens)
