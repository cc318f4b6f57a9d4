"""The minutes of a session, made on the terminal when it stops.

The session keeps its final transcript segments (text and start time, nothing else) in
memory; at the stop they go to ``speech.minutes.extract.extract_minutes`` with the people the
start command named (owners of action items by user id; the organizer flag) and the meeting's
scheduled start (due dates count from it), and the result becomes one ``minutes`` message.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contract.commands import RosterPerson
from contract.minutes_data import MinutesData

if TYPE_CHECKING:
    from speech.minutes.directory import Directory
    from speech.minutes.model import Utterance

#: ``extract_minutes``'s signature (``speech.minutes.extract``); tests pass a stand-in.
Extractor = Callable[..., Any]

# Languages the extractor has rules for; anything else is left to its own detection.
_RULE_LANGUAGES = ("en", "zh")


def extract_minutes(
    utterances: "list[Utterance]",
    *,
    meeting_start: datetime,
    directory: "Directory | None" = None,
    language: str = "auto",
) -> Any:
    """The real extractor, imported when first needed (speech.minutes is optional here)."""
    from speech.minutes.extract import extract_minutes as extract

    return extract(utterances, meeting_start=meeting_start, directory=directory, language=language)


def directory_of(people: Sequence[RosterPerson], roster: Sequence[str]) -> "Directory | None":
    """The people of the start command; else the roster's names (no user ids); else None."""
    from speech.minutes.directory import Directory, Person

    if people:
        return Directory([Person(p.user_id, p.name, tuple(p.aliases), p.organizer) for p in people])
    if roster:
        return Directory([Person(None, name) for name in roster])
    return None


def extraction_language(asked: str, detected: Sequence[str | None]) -> str:
    """The session's language if it was given, else what the transcriber heard most."""
    if asked in _RULE_LANGUAGES:
        return asked
    heard = Counter(code for code in detected if code)
    if heard:
        code, _ = heard.most_common(1)[0]
        if code in _RULE_LANGUAGES:
            return code
    return "auto"


def make_minutes(
    extract: Extractor,
    session_id: str,
    said: Sequence[tuple[str, float, str | None]],
    *,
    meeting_start: datetime,
    people: Sequence[RosterPerson] = (),
    roster: Sequence[str] = (),
    language: str = "auto",
) -> MinutesData:
    """Run ``extract`` on ``said`` (``(text, start_s, language)`` per final segment)."""
    from speech.minutes.model import Utterance

    utterances = [Utterance(text, start=start) for text, start, _ in said]
    minutes = extract(
        utterances,
        meeting_start=meeting_start,
        directory=directory_of(people, roster),
        language=extraction_language(language, [code for _, _, code in said]),
    )
    return MinutesData.model_validate({"session": session_id, **minutes.to_json()})
