"""Grammar-constrained rescoring: let Whisper's own decoder judge the grammar's sentences.

The matcher reads what Whisper wrote; when Whisper wrote a near miss ("All of this room for
15 minutes", "Check Meat End", "Step minutes" for "stat minutes"), the grammar's best readings
of it (and of the beam's runners-up), good enough or not, are said again as the sentences the
grammar would have Whisper write ("Hold this room for 15 minutes.") and scored under the
same audio by Whisper's decoder (the sum of its token log probabilities given the encoded
audio: ``speech.text_scores``). The free text is scored in the same call. A grammar sentence
that scores within ``margin`` of the free text is what was said, as far as Whisper can
tell; else the matcher's own decision stands. Words the grammar cannot constrain (an action
item's task) stay as heard; a person is said as heard or as the roster's name.

Whisper's score has no end-of-text term here (CTranslate2's alignment leaves it out), so a
sentence that drops heard words is not penalised by the audio: the matcher's confidence
(``floor``) is what keeps "we're here" from being read out of "we're here to discuss the
budget".
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from speech.intents.grammar import SlotRef
from speech.intents.matcher import IntentResult, Matcher, Parse
from speech.intents.tokens import is_cjk, join, norms, tokenize

# Scores texts under the utterance's audio: one total log probability per text.
TextScorer = Callable[[Sequence[str]], list[float]]


@dataclass(frozen=True)
class RescoringSettings:
    # How much lower (natural log, summed over tokens) than the free text a grammar
    # sentence may score and still be taken. Chosen on the even-numbered commands and
    # non-command sentences: commands it rescued were 2-17 below (median 7), the closest
    # ordinary sentence 13 below (docs/voice-commands.md).
    margin: float = 10.0
    floor: float = 0.5  # the matcher's confidence a reading needs to be tried at all
    candidates: int = 8  # readings scored per utterance (besides the free text)
    # At most this many of one intent: a grammar says one command many ways ("book",
    # "hold", "reserve" this room), which would crowd out the other intents' readings.
    per_intent: int = 4


@dataclass(frozen=True)
class Candidate:
    text: str  # the sentence as scored (the wake phrase as heard before it)
    parse: Parse
    score: float


@dataclass(frozen=True)
class Rescoring:
    """What was scored: the grammar's sentences and the free text's score."""

    reference: float  # the free text's score (the better of as written and as styled)
    candidates: list[Candidate] = field(default_factory=list)
    prefix: str = ""  # the wake phrase as heard, before every scored sentence


def realise(parse: Parse, language: str, roster: Sequence[str] = ()) -> str:
    """The sentence the grammar says for ``parse``, written as Whisper writes: template
    words, slots as heard (a person as heard when that is the roster's name, else the
    roster's first name), a capital and a full stop."""
    readings = [r for r in parse.readings if r[2] >= 0]
    words: list[str] = []
    for element in parse.path:
        if not isinstance(element, SlotRef):
            words.append(element)
            continue
        if not readings:  # (cannot happen: every slot of a path was read)
            raise ValueError(f"parse of {parse.intent} lacks a reading for {element.name}")
        _, value, start, end = readings.pop(0)
        heard = join(list(parse.tokens[start:end]), language)
        if element.slot_type == "person" and isinstance(value, str):
            heard = _person(heard, value, roster)
        words.append(heard)
    return styled(words, language)


def _person(heard: str, value: str, roster: Sequence[str]) -> str:
    if value not in roster or norms(heard) in (norms(value), norms(value)[:1]):
        return heard
    return value.split()[0]  # the first name, as people say it


def styled(words: Sequence[str], language: str) -> str:
    """Words as a sentence: English capitalised with a full stop, Chinese with 。"""
    if is_cjk(language):
        return "".join(words) + "。" if words else ""
    text = " ".join(w for w in words if w)
    text = " ".join("I" + w[1:] if w == "i" or w.startswith("i'") else w for w in text.split())
    return text[:1].upper() + text[1:] + "." if text else ""


def rescore(
    heard: Sequence[str],
    matcher: Matcher,
    scorer: TextScorer,
    settings: RescoringSettings,
    prefix: str = "",
) -> Rescoring:
    """``heard``: the command texts, best first (the wake phrase removed; ``prefix`` is the
    phrase as heard, said before every scored sentence since the audio holds it too)."""
    language = matcher.grammar.language or "en"
    readings: dict[str, tuple[Parse, float]] = {}  # sentence: (parse, closeness to heard)
    seen: set[tuple[str, ...]] = set()
    for text in heard:
        words = tuple(norms(text))
        if words in seen:  # runners-up often differ only in case or punctuation
            continue
        seen.add(words)
        for parse in matcher.parses(text, settings.floor, limit=None):
            sentence = realise(parse, language, matcher.roster)
            if sentence not in readings or readings[sentence][0].confidence < parse.confidence:
                readings[sentence] = (parse, _closeness(sentence, text))
    best = _varied(readings, settings)
    if not heard or not best:
        return Rescoring(float("-inf"))
    free = [prefix + heard[0], prefix + styled(norms_raw(heard[0]), language)]
    scores = scorer([*free, *(prefix + sentence for sentence, _ in best)])
    candidates = [
        Candidate(prefix + sentence, parse, score)
        for (sentence, parse), score in zip(best, scores[2:], strict=True)
    ]
    return Rescoring(max(scores[:2]), candidates, prefix)


def _closeness(sentence: str, heard: str) -> float:
    """How alike two sentences are by their letters: among readings the matcher finds equally
    good ("hold", "grab", "book" this room for "all of this room"), the closest first."""
    return SequenceMatcher(None, sentence.lower(), heard.lower(), autojunk=False).ratio()


def _varied(
    readings: dict[str, tuple[Parse, float]], settings: RescoringSettings
) -> list[tuple[str, Parse]]:
    """The most confident readings, at most ``per_intent`` of each intent."""
    chosen: list[tuple[str, Parse]] = []
    per_intent: dict[str, int] = {}
    ranked = sorted(readings.items(), key=lambda item: (-item[1][0].confidence, -item[1][1]))
    for sentence, (parse, _) in ranked:
        if per_intent.get(parse.intent, 0) < settings.per_intent:
            per_intent[parse.intent] = per_intent.get(parse.intent, 0) + 1
            chosen.append((sentence, parse))
    return chosen[: settings.candidates]


def choose(
    rescoring: Rescoring, settings: RescoringSettings, matched: IntentResult
) -> tuple[IntentResult, str] | None:
    """The best-scoring grammar sentence if it is within the margin of the free text and
    changes the matcher's decision (``matched``): a command the matcher rejected, or another
    intent. The same intent keeps the matcher's reading: its free text (an action item's
    task) is the best text's, where a runner-up's sentence might carry another's words."""
    if not rescoring.candidates:
        return None
    top = max(rescoring.candidates, key=lambda c: c.score)
    if top.score < rescoring.reference - settings.margin or top.parse.intent == matched.intent:
        return None
    sentence = top.text[len(rescoring.prefix) :]
    parse = top.parse
    return IntentResult(parse.intent, parse.slots, round(parse.confidence, 3), sentence), sentence


def norms_raw(text: str) -> list[str]:
    """The words of ``text`` as written, punctuation dropped (for styling it like ours)."""
    return [t.raw for t in tokenize(text)]
