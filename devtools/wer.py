"""Word error rate with one text normaliser for every transcript we compare.

Streaming and offline transcripts, and the references, all go through :func:`normalise`
before they are compared: Whisper's own ``EnglishTextNormalizer`` (PyPI package
``whisper-normalizer``, the normaliser of the Whisper paper's WER figures: lower case, no
punctuation, spelled-out numbers to digits, British to American spelling, contractions
expanded). Without that package a small fallback is used and :data:`NORMALISER` says so:
lower case, apostrophes dropped, every other non-alphanumeric character a space, whitespace
collapsed. Figures are only comparable when measured with the same normaliser.

The edit distance is ``jiwer``'s (substitutions + deletions + insertions over reference
words), so the WER can exceed 1.0 when the hypothesis adds many words.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable

import jiwer


def _fallback(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"['’]", "", text)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def _make_normaliser() -> tuple[Callable[[str], str], str]:
    try:
        from whisper_normalizer.english import EnglishTextNormalizer
    except ImportError:
        return _fallback, "fallback (lowercase, no punctuation)"
    english = EnglishTextNormalizer()

    def whisper(text: str) -> str:
        return " ".join(english(text).split())

    return whisper, "whisper EnglishTextNormalizer"


_normalise, NORMALISER = _make_normaliser()


def normalise(text: str) -> str:
    """``text`` as compared: see the module doc. Words are separated by single spaces."""
    return _normalise(text)


def edits(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) after normalising both texts."""
    ref = normalise(reference)
    hyp = normalise(hypothesis)
    ref_words = len(ref.split())
    if not ref_words:
        return len(hyp.split()), 0
    if not hyp:
        return ref_words, ref_words
    out = jiwer.process_words(ref, hyp)
    return out.substitutions + out.deletions + out.insertions, ref_words


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Edits / reference words (0 when both are empty; 1.0 per inserted word when only the
    reference is empty, so silence that produced words counts as an error)."""
    errors, words = edits(reference, hypothesis)
    if words == 0:
        return float(errors)
    return errors / words


def corpus_wer(pairs: Iterable[tuple[str, str]]) -> float:
    """Total edits over total reference words, for ``(reference, hypothesis)`` pairs."""
    total_errors = 0
    total_words = 0
    for reference, hypothesis in pairs:
        errors, words = edits(reference, hypothesis)
        total_errors += errors
        total_words += words
    if total_words == 0:
        return float(total_errors)
    return total_errors / total_words
