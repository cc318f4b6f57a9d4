"""Shared by the English minutes tests: a directory of people and short exchanges to analyse.

The English rules are tested in several files by subject (sentences, action items,
assignments, decisions, open questions); each feeds ``"Speaker: text"`` lines through the
same sentence splitter and analyser, so the way lines become findings lives here once.
"""

from collections.abc import Sequence

from speech.minutes.directory import Directory, Person
from speech.minutes.english import analyse, split_sentences
from speech.minutes.findings import Finding
from speech.minutes.model import Sentence, Utterance

PEOPLE = Directory(
    [
        Person("ana", "Ana Lima", ("Ana",)),
        Person("ben", "Ben Ortiz", ("Ben",)),
        Person("priya", "Priya Nair", ("Priya",)),
        Person("chenwei", "Chen Wei", ("Wei",)),
    ]
)


def english_sentences(lines: Sequence[str]) -> list[Sentence]:
    """``"Ana: text"`` lines (or lines with no speaker) as English sentences."""
    out = []
    for number, line in enumerate(lines, start=1):
        speaker, _, text = line.partition(": ") if ": " in line[:12] else ("", "", line)
        utterance = Utterance(text, line=number, speaker=speaker or None)
        out += [Sentence(s, utterance, "en") for s in split_sentences(text)]
    return out


def findings(*lines: str) -> list[Finding]:
    return [finding for _, finding in analyse(english_sentences(lines), PEOPLE)]


def only(*lines: str) -> Finding:
    found = findings(*lines)
    assert len(found) == 1, found
    return found[0]
