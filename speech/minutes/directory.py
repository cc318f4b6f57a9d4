"""The people minutes may name: the directory's users (names and aliases, Chinese names
included) and the transcript's speakers. Finds their names in a sentence and tells who a
spoken name means."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from speech.minutes.findings import NameMatch


@dataclass(frozen=True)
class Person:
    user_id: str | None  # None: a speaker or name known only from the transcript
    name: str  # as the directory writes it ("Ana Lima", "王芳")
    aliases: tuple[str, ...] = ()  # other names people use ("Ana", "Wang Fang", "小王")
    organizer: bool = False


def _key(name: str) -> str:
    """Names compare without case, accents or spacing differences ("José" = "jose")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


@dataclass
class Directory:
    """Everyone known for one meeting. Each person is found by their full name, every alias,
    and (for names in Latin letters) their first name when no one else shares it."""

    people: list[Person] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_key: dict[str, list[Person]] = {}
        for person in self.people:
            for spoken in self._spellings(person):
                self._by_key.setdefault(_key(spoken), [])
                if person not in self._by_key[_key(spoken)]:
                    self._by_key[_key(spoken)].append(person)
        # Longest first, so "Chen Wei" wins over "Chen" and "王芳芳" over "王芳".
        self._patterns = sorted(self._by_key, key=len, reverse=True)

    @staticmethod
    def _spellings(person: Person) -> Iterable[str]:
        yield person.name
        yield from person.aliases
        parts = person.name.split()
        if len(parts) > 1 and not _is_cjk(person.name):
            yield parts[0]  # "Ana" for "Ana Lima"

    @property
    def organizer(self) -> Person | None:
        return next((p for p in self.people if p.organizer), None)

    def resolve(self, spoken: str) -> Person | None:
        """The one person ``spoken`` names, or None (unknown, or several share it)."""
        matches = self._by_key.get(_key(spoken), [])
        return matches[0] if len(matches) == 1 else None

    def find(self, text: str) -> Sequence[NameMatch]:
        """Known names in ``text``, left to right, longest match at each place."""
        folded = _key_keep_length(text)
        found: list[NameMatch] = []
        taken = [False] * len(text)
        for pattern in self._patterns:
            for match in re.finditer(_name_regex(pattern), folded):
                start, end = match.span()
                if any(taken[start:end]):
                    continue
                taken[start:end] = [True] * (end - start)
                found.append(NameMatch(start, end, text[start:end]))
        return sorted(found, key=lambda m: m.start)

    def with_speakers(self, speakers: Iterable[str]) -> "Directory":
        """This directory plus transcript speakers it does not know (names as written)."""
        extra = [
            Person(None, name)
            for name in dict.fromkeys(s.strip() for s in speakers if s and s.strip())
            if self.resolve(name) is None
        ]
        return Directory([*self.people, *extra]) if extra else self


def _key_keep_length(text: str) -> str:
    """Case-folded without accents, one character for one (so spans map back to ``text``)."""
    out = []
    for char in text:
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", char.lower()) if not unicodedata.combining(c)
        )
        out.append(plain[:1] if len(plain) >= 1 else char)
    return "".join(out)


def _name_regex(key: str) -> str:
    escaped = r"\s+".join(re.escape(part) for part in key.split())
    if _is_cjk(key):
        return escaped  # Chinese has no spaces between words: match anywhere
    return rf"(?<![\w]){escaped}(?![\w])"
