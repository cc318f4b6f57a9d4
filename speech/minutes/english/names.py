"""Owners' names in English sentences: the finder's known names (directory and speakers),
else a capitalised word that is not a common word ("I", "We", "Monday", "OK") before "will /
can / to / is going to" or after "for / ask / have / let / assign ... to"; and names said to
someone ("Ana, ..." / "..., Ana?").
"""

import re

from speech.minutes.findings import NameFinder

_NOT_NAMES = frozenset(
    """
    i we you they he she it this that these those there here who what which someone somebody
    anyone anybody everyone everybody nobody no one none team all both each monday tuesday
    wednesday thursday friday saturday sunday today tomorrow january february march april
    may june july august september october november december ok okay so and but or then also
    yes no yeah sure maybe let let's lets the a an if when where why how please thanks great
    good perfect fine cool right well now next action decision question note todo agenda one
    nothing something everything sorry happy nice glad time hard easy need want going back
    welcome hope remember note due best important enough free able ready first last
    """.split()  # noqa: SIM905  (a word list reads better as text)
)

_NAME = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?"

NAME_MODAL = (
    r"(?:will|'ll|is\s+going\s+to|'s\s+going\s+to|is\s+gonna|to|can|should|needs\s+to|"
    r"has\s+to|is\s+to|must|shall|(?:is|'s)\s+(?:responsible\s+for|in\s+charge\s+of|"
    r"handling|taking\s+care\s+of|taking\s+over|on\s+point\s+for|(?:the\s+)?point\s+(?:person\s+)?"
    r"(?:for|on)|(?:the\s+)?owner\s+of|on\s+the\s+hook\s+for)|is\s+on)"
)

_UNKNOWN_NAME_FIRST = re.compile(rf"^(?P<name>{_NAME})(?=\s+{NAME_MODAL}\s|\s+(?:owns|takes)\s)")

_LEADING_NAME = re.compile(rf"^{_NAME}")

VOCATIVE_END = re.compile(rf",\s*(?P<name>{_NAME})\s*[?.!]*$")

VOCATIVE_START = re.compile(rf"^(?P<name>{_NAME})\s*,\s*(?P<rest>.+)$")


def _known_name_at(text: str, names: NameFinder, position: int = 0) -> str | None:
    for match in names.find(text):
        if match.start == position:
            return match.text
    return None


def name_at_start(text: str, names: NameFinder) -> tuple[str, str] | None:
    """(name, rest) when ``text`` starts with a person's name: known, or a capitalised word
    followed by a modal ("Marcus will ...")."""
    known = _known_name_at(text, names)
    if known:
        return known, text[len(known) :]
    match = _UNKNOWN_NAME_FIRST.match(text)
    if match and _is_name(match["name"]):
        return match["name"], text[match.end() :]
    return None


def _is_name(candidate: str) -> bool:
    words = candidate.split()
    return bool(words) and all(
        w[:1].isupper() and re.sub(r"'s$", "", w.lower()) not in _NOT_NAMES for w in words
    )


def leading_name(text: str, names: NameFinder) -> str | None:
    """The name ``text`` starts with: known, else one or two capitalised words."""
    known = _known_name_at(text, names)
    if known:
        return known
    match = _LEADING_NAME.match(text)
    if match is None:
        return None
    words = match[0].split()
    if len(words) == 2 and not _is_name(words[1]):
        words = words[:1]
    return " ".join(words) if _is_name(" ".join(words)) else None


def name_in(text: str, names: NameFinder) -> str | None:
    """A name said in a short phrase ("for Chen Wei", "Ben"): known, else capitalised."""
    text = text.strip(" ,:.")
    known = names.find(text)
    if known:
        return known[0].text
    return text if _is_name(text) and len(text.split()) <= 2 else None
