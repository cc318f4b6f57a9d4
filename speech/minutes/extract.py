"""Minutes from a transcript: the language rules find candidates sentence by sentence; this
module decides who owns each action item and when it is due, the same way for every language.

Owners:
- a name said in the sentence → that person in the directory (by name or alias, Chinese
  names included); a name nobody in the directory has is kept as spoken;
- "I'll ..." → the speaker when the transcript says who spoke; otherwise the organizer,
  flagged for review; with neither, no owner (flagged);
- an unnamed "can you ...?" accepted by the next speaker → that speaker;
- "we need to ..." → no owner.
Due dates count from the meeting's local start date (conventions: speech/minutes/dates_*.py).
An item said twice (a recap at the end) is kept once, with the date if either had one.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from difflib import SequenceMatcher
from types import ModuleType

from speech.minutes import chinese as chinese_rules
from speech.minutes import dates_en, dates_zh
from speech.minutes import english as english_rules
from speech.minutes.directory import Directory, Person
from speech.minutes.findings import ActionFinding, DecisionFinding, Finding, QuestionFinding
from speech.minutes.model import (
    ActionItem,
    Decision,
    Evidence,
    Language,
    Minutes,
    OpenQuestion,
    Sentence,
    Utterance,
)

LANGUAGES: tuple[Language, ...] = ("en", "zh")
NO_SPEAKER_ORGANIZER = "the speaker is not known: the organizer is the owner"
NO_SPEAKER = "the speaker is not known and there is no organizer: nobody owns it"
NO_LISTENER = "asked of someone not named, and nobody answered by name"


def extract_minutes(
    utterances: Sequence[Utterance],
    *,
    meeting_start: datetime,
    directory: Directory | None = None,
    language: str = "auto",
) -> Minutes:
    """Action items, decisions and open questions of a meeting; ``language`` is ``auto``
    (each utterance by its script), ``en`` or ``zh``."""
    if meeting_start.tzinfo is None:
        raise ValueError("meeting_start needs a UTC offset (the meeting's local date matters)")
    people = (directory or Directory()).with_speakers(u.speaker for u in utterances if u.speaker)
    sentences = _sentences(utterances, language)
    findings: list[tuple[int, Finding]] = []
    for code in LANGUAGES:
        if any(s.language == code for s in sentences):
            findings += _rules(code).analyse(sentences, people)
    minutes = Minutes(meeting_start, _main_language(sentences, language))
    for index, finding in sorted(findings, key=lambda pair: pair[0]):
        sentence = sentences[index]
        evidence = Evidence.of(sentence)
        if isinstance(finding, ActionFinding):
            item = _action_item(finding, sentence, sentences, index, people, meeting_start)
            _add_item(minutes.action_items, item)
        elif isinstance(finding, DecisionFinding) and _new(finding.text, minutes.decisions):
            minutes.decisions.append(Decision(finding.text, evidence))
        elif isinstance(finding, QuestionFinding) and _new(finding.text, minutes.open_questions):
            minutes.open_questions.append(OpenQuestion(finding.text, evidence))
    return minutes


def _new(text: str, found: Sequence[Decision | OpenQuestion]) -> bool:
    return bool(text) and all(earlier.text != text for earlier in found)


def language_of(text: str) -> Language:
    """``zh`` when Chinese characters make up a good part of the letters, else ``en``."""
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    letters = sum(1 for c in text if c.isalpha())
    return "zh" if letters and cjk / letters >= 0.3 else "en"


def _rules(code: Language) -> ModuleType:
    return chinese_rules if code == "zh" else english_rules


def _dates(code: Language) -> Callable[[str, datetime], date | None]:
    return dates_zh.due_date if code == "zh" else dates_en.due_date


def _sentences(utterances: Sequence[Utterance], language: str) -> list[Sentence]:
    out = []
    for utterance in utterances:
        code = _fixed(language) or language_of(utterance.text)
        for text in _rules(code).split_sentences(utterance.text):
            if text.strip():
                out.append(Sentence(text.strip(), utterance, code))
    return out


def _fixed(language: str) -> Language | None:
    return "en" if language == "en" else "zh" if language == "zh" else None


def _main_language(sentences: Sequence[Sentence], language: str) -> Language:
    if fixed := _fixed(language):
        return fixed
    weight = {code: 0 for code in LANGUAGES}
    for sentence in sentences:
        weight[sentence.language] += len(sentence.text) * (3 if sentence.language == "zh" else 1)
    return max(LANGUAGES, key=lambda code: weight[code])


def _action_item(
    finding: ActionFinding,
    sentence: Sentence,
    sentences: Sequence[Sentence],
    index: int,
    people: Directory,
    meeting_start: datetime,
) -> ActionItem:
    review: list[str] = []
    person: Person | None = None
    spoken: str | None = None
    if finding.owner_kind == "name" and finding.owner_name:
        person = people.resolve(finding.owner_name)
        spoken = finding.owner_name
    elif finding.owner_kind == "speaker":
        if sentence.utterance.speaker:
            person = people.resolve(sentence.utterance.speaker)
            spoken = sentence.utterance.speaker
        elif people.organizer is not None:
            person = people.organizer
            review.append(NO_SPEAKER_ORGANIZER)
        else:
            review.append(NO_SPEAKER)
    elif finding.owner_kind == "listener":
        spoken = _answerer(sentences, index)
        if spoken is None:
            review.append(NO_LISTENER)
        else:
            person = people.resolve(spoken)
    due = _dates(sentence.language)(finding.due_phrase or sentence.text, meeting_start)
    return ActionItem(
        task=finding.task,
        owner=person.name if person is not None else spoken,
        owner_user_id=person.user_id if person is not None else None,
        due=due,
        evidence=Evidence.of(sentence),
        review=review,
    )


def _answerer(sentences: Sequence[Sentence], index: int) -> str | None:
    """Who answered the request in ``sentences[index]``: the next other speaker."""
    asker = sentences[index].utterance
    for later in sentences[index + 1 : index + 4]:
        speaker = later.utterance.speaker
        if later.utterance is not asker and speaker and speaker != asker.speaker:
            return speaker
    return None


def _add_item(items: list[ActionItem], item: ActionItem) -> None:
    """Keep a restated item once (same owner, nearly the same task); fill in its due date."""
    for position, earlier in enumerate(items):
        if earlier.owner == item.owner and _similar(earlier.task, item.task) >= 0.8:
            if earlier.due is None and item.due is not None:
                items[position] = ActionItem(
                    earlier.task,
                    earlier.owner,
                    earlier.owner_user_id,
                    item.due,
                    earlier.evidence,
                    earlier.review,
                )
            return
    items.append(item)


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a.casefold(), b.casefold()).ratio()
