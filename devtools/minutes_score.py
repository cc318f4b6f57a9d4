"""Scoring meeting minutes against hand-written expectations (``tests/data/minutes``).

A meeting file is YAML: title, language (en | zh), meeting_start (ISO 8601 with an offset),
optional organizer and directory, the transcript, and the expected action items, decisions
and open questions. ``load_meeting`` reads one; ``score`` compares the expectations with
the minutes' JSON (the shape ``python -m speech minutes --json`` prints); ``score_folder``
runs a predictor over a folder.

Matching rules (what the benchmark and the docs report):

- Each kind (action items, decisions, open questions) is matched on its own, one to one,
  greedily: every (expected, predicted) pair that qualifies is ranked by text similarity,
  best first, and taken unless either side is already taken. Matched pairs are true
  positives, unmatched predictions false positives, unmatched expectations false negatives.
  Precision, recall and F1 are micro-averaged: counts are summed over meetings first.
- An ACTION ITEM pair qualifies when all three hold:
  (a) owners match: both null; or equal after case-folding and trimming; or the predicted
      ``owner_user_id`` / ``owner`` and the expected owner name resolve to the same person of
      the meeting's directory (by id, full name, alias, or the first name of a full name in
      Latin letters). The organizer counts as a directory person when the directory does
      not list them;
  (b) due dates are equal (both null counts as equal);
  (c) task similarity >= 0.5.
- A DECISION or an OPEN QUESTION pair qualifies when text similarity >= 0.5.
- Similarity is an F1 between token multisets:
  English: lower-cased words, punctuation removed, a small list of stop words dropped
  (function words, modal verbs, and date words: the due date is scored on its own), crude
  suffix stripping (-ing, -ed, -es, -s);
  Chinese (any text with CJK characters): character bigrams of each run of CJK characters
  (a run of one character counts as itself), plus Latin words and numbers as tokens;
  punctuation and the particles 的 / 了 / 把 / 将 / 一下 are ignored.
  Two empty texts have similarity 0 (nothing was said, nothing can match).

Action items and decisions are the targets (F1 >= 0.9 and >= 0.8); open questions are
reported, not judged.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

THRESHOLD = 0.5
KINDS = ("action_items", "decisions", "open_questions")

# --- meeting files ----------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryEntry:
    id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExpectedAction:
    owner: str | None
    task: str
    due: date | None


@dataclass(frozen=True)
class Expected:
    action_items: list[ExpectedAction] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    open_questions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Meeting:
    path: Path
    title: str
    language: str  # "en" | "zh"
    meeting_start: datetime  # timezone-aware
    organizer: str | None
    directory: list[DirectoryEntry]
    transcript: str
    expected: Expected

    @property
    def name(self) -> str:
        return self.path.stem


class MeetingFileError(ValueError):
    pass


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # YAML reads an unquoted 2026-03-06 as a date
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise MeetingFileError(f"{where}: due {value!r} is not YYYY-MM-DD") from exc


def _text(item: Any, where: str) -> str:
    if isinstance(item, Mapping):
        item = item.get("text")
    if not isinstance(item, str) or not item.strip():
        raise MeetingFileError(f"{where}: needs a non-empty text")
    return item.strip()


def load_meeting(path: Path | str) -> Meeting:
    """One meeting file; ``MeetingFileError`` says what is missing or malformed."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, Mapping):
        raise MeetingFileError(f"{path}: not a YAML mapping")
    for key in ("title", "language", "meeting_start", "transcript", "expected"):
        if key not in data:
            raise MeetingFileError(f"{path}: missing {key!r}")
    if data["language"] not in ("en", "zh"):
        raise MeetingFileError(f"{path}: language must be en or zh")
    # Quoted in the files so YAML keeps the offset; a datetime is accepted too.
    start = data["meeting_start"]
    if not isinstance(start, datetime):
        try:
            start = datetime.fromisoformat(str(start))
        except ValueError as exc:
            raise MeetingFileError(f"{path}: meeting_start is not ISO 8601") from exc
    if start.tzinfo is None or start.utcoffset() is None:
        raise MeetingFileError(f"{path}: meeting_start needs a UTC offset")
    directory = [
        DirectoryEntry(str(p["id"]), str(p["name"]), tuple(str(a) for a in p.get("aliases", ())))
        for p in data.get("directory") or ()
    ]
    exp = data["expected"] or {}
    actions = []
    for i, item in enumerate(exp.get("action_items") or ()):
        where = f"{path}: action item {i + 1}"
        if not isinstance(item, Mapping) or "task" not in item:
            raise MeetingFileError(f"{where}: needs owner, task and due")
        owner = item.get("owner")
        actions.append(
            ExpectedAction(
                None if owner is None else str(owner).strip(),
                _text({"text": item["task"]}, where),
                _date(item.get("due"), where),
            )
        )
    return Meeting(
        path=path,
        title=str(data["title"]),
        language=str(data["language"]),
        meeting_start=start,
        organizer=None if data.get("organizer") is None else str(data["organizer"]),
        directory=directory,
        transcript=str(data["transcript"]),
        expected=Expected(
            actions,
            [_text(d, f"{path}: decision") for d in exp.get("decisions") or ()],
            [_text(q, f"{path}: open question") for q in exp.get("open_questions") or ()],
        ),
    )


def meeting_files(folder: Path | str) -> list[Path]:
    return sorted(Path(folder).glob("*.yaml"))


# --- similarity -------------------------------------------------------------------------

STOP_WORDS = frozenset(
    """a an the and or but if of to for in on at by with from into about up out over
    as is are be been being was were am do does did done have has had i i'll we we'll you
    you'll he she it they them him her his their our my your me us this that these those
    there here so then than just also too very really um uh okay ok yeah well please
    will would shall should can could may might must going gonna let let's lets make sure
    get got someone somebody everyone all some any
    today tomorrow tonight week weeks month months day days next end before within until
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    first second third eod""".split()  # noqa: SIM905  (a word list reads better as text)
)
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_ZH_IGNORED = ("一下", "的", "了", "把", "将")


def _stem(word: str) -> str:
    # Crude on purpose: "sends"/"sending"/"sent" need not meet, "slides"/"slide" must.
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> Counter[str]:
    """The tokens similarity compares (see the module docstring)."""
    lowered = text.casefold().replace("’", "'")
    if _CJK_RE.search(lowered):
        for particle in _ZH_IGNORED:
            lowered = lowered.replace(particle, " ")
        grams: Counter[str] = Counter()
        for run in _CJK_RUN.findall(lowered):
            if len(run) == 1:
                grams[run] += 1
            else:
                grams.update(run[i : i + 2] for i in range(len(run) - 1))
        grams.update(_LATIN_WORD.findall(_CJK_RUN.sub(" ", lowered)))
        return grams
    words = _LATIN_WORD.findall(lowered)
    return Counter(_stem(w) for w in words if w not in STOP_WORDS)


def similarity(a: str, b: str) -> float:
    ta, tb = tokens(a), tokens(b)
    common = sum((ta & tb).values())
    if not common:
        return 0.0
    precision = common / sum(tb.values())
    recall = common / sum(ta.values())
    return 2 * precision * recall / (precision + recall)


# --- owners -----------------------------------------------------------------------------


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _people_named(name: str | None, directory: Sequence[DirectoryEntry]) -> set[str]:
    """Ids of the directory people ``name`` may mean (id, full name, alias, first name)."""
    if not name:
        return set()
    key = _name_key(name)
    found = set()
    for person in directory:
        spellings = {person.id, person.name, *person.aliases}
        parts = person.name.split()
        if len(parts) > 1 and not _CJK_RE.search(person.name):
            spellings.add(parts[0])
        if key in {_name_key(s) for s in spellings}:
            found.add(person.id)
    return found


def owners_match(
    expected: str | None,
    predicted: str | None,
    predicted_user_id: str | None = None,
    directory: Sequence[DirectoryEntry] = (),
) -> bool:
    if expected is None or not expected.strip():
        return not (predicted and predicted.strip()) and not predicted_user_id
    if predicted and _name_key(predicted) == _name_key(expected):
        return True
    wanted = _people_named(expected, directory)
    if not wanted:
        return False
    said = _people_named(predicted, directory)
    if predicted_user_id and any(p.id == predicted_user_id for p in directory):
        said.add(predicted_user_id)
    return bool(wanted & said)


# --- counting ---------------------------------------------------------------------------


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: "PRF") -> "PRF":
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Mismatch:
    kind: str  # one of KINDS
    side: str  # "missed" (expected, not found) or "spurious" (predicted, not expected)
    item: dict[str, Any]


@dataclass
class Counts:
    action_items: PRF = field(default_factory=PRF)
    decisions: PRF = field(default_factory=PRF)
    open_questions: PRF = field(default_factory=PRF)
    mismatches: list[Mismatch] = field(default_factory=list)

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            self.action_items + other.action_items,
            self.decisions + other.decisions,
            self.open_questions + other.open_questions,
            [*self.mismatches, *other.mismatches],
        )

    def kind(self, name: str) -> PRF:
        prf: PRF = getattr(self, name)
        return prf


def total(counts: Iterable[Counts]) -> Counts:
    result = Counts()
    for c in counts:
        result = result + c
    return result


def _greedy(pairs: list[tuple[float, int, int]]) -> set[tuple[int, int]]:
    # Best similarity first; ties by order of appearance (stable and deterministic).
    taken_e: set[int] = set()
    taken_p: set[int] = set()
    matched = set()
    for _sim, e, p in sorted(pairs, key=lambda t: (-t[0], t[1], t[2])):
        if e not in taken_e and p not in taken_p:
            taken_e.add(e)
            taken_p.add(p)
            matched.add((e, p))
    return matched


def _due_matches(expected: date | None, predicted: Any) -> bool:
    if expected is None:
        return predicted in (None, "")
    return isinstance(predicted, str) and predicted[:10] == expected.isoformat()


def _count(
    kind: str,
    expected: Sequence[Any],
    predicted: Sequence[Mapping[str, Any]],
    qualifies: Callable[[Any, Mapping[str, Any]], float | None],
    describe: Callable[[Any], dict[str, Any]],
) -> tuple[PRF, list[Mismatch]]:
    pairs = []
    for e, exp in enumerate(expected):
        for p, pred in enumerate(predicted):
            sim = qualifies(exp, pred)
            if sim is not None:
                pairs.append((sim, e, p))
    matched = _greedy(pairs)
    hit_e = {e for e, _ in matched}
    hit_p = {p for _, p in matched}
    mismatches = [
        Mismatch(kind, "missed", describe(exp)) for e, exp in enumerate(expected) if e not in hit_e
    ]
    mismatches += [
        Mismatch(kind, "spurious", dict(pred)) for p, pred in enumerate(predicted) if p not in hit_p
    ]
    return PRF(
        len(matched), len(predicted) - len(matched), len(expected) - len(matched)
    ), mismatches


def score(
    expected: Meeting | Expected,
    predicted_json: Mapping[str, Any],
    *,
    directory: Sequence[DirectoryEntry] | None = None,
) -> Counts:
    """Counts for one meeting. ``directory`` defaults to the meeting's own."""
    if isinstance(expected, Meeting):
        people = list(expected.directory if directory is None else directory)
        exp = expected.expected
        # The organizer is someone the minutes may name even without a directory entry
        # ("Ruth" speaking, "Ruth Okafor" organizing).
        if expected.organizer and not _people_named(expected.organizer, people):
            people.append(DirectoryEntry("(organizer)", expected.organizer))
    else:
        people, exp = list(directory or ()), expected

    def action(e: ExpectedAction, p: Mapping[str, Any]) -> float | None:
        if not owners_match(e.owner, p.get("owner"), p.get("owner_user_id"), people):
            return None
        if not _due_matches(e.due, p.get("due")):
            return None
        sim = similarity(e.task, str(p.get("task") or ""))
        return sim if sim >= THRESHOLD else None

    def text(e: str, p: Mapping[str, Any]) -> float | None:
        sim = similarity(e, str(p.get("text") or ""))
        return sim if sim >= THRESHOLD else None

    def describe_action(e: ExpectedAction) -> dict[str, Any]:
        return {"owner": e.owner, "task": e.task, "due": e.due.isoformat() if e.due else None}

    def describe_text(e: str) -> dict[str, Any]:
        return {"text": e}

    counts = Counts()
    mismatches: list[Mismatch] = []
    counts.action_items, m = _count(
        "action_items",
        exp.action_items,
        list(predicted_json.get("action_items") or ()),
        action,
        describe_action,
    )
    mismatches += m
    for kind, expected_texts in (
        ("decisions", exp.decisions),
        ("open_questions", exp.open_questions),
    ):
        prf, m = _count(
            kind, expected_texts, list(predicted_json.get(kind) or ()), text, describe_text
        )
        setattr(counts, kind, prf)
        mismatches += m
    counts.mismatches = mismatches
    return counts


@dataclass
class FolderResult:
    per_meeting: dict[str, Counts]  # by file stem
    meetings: list[Meeting]

    @property
    def total(self) -> Counts:
        return total(self.per_meeting.values())

    def by_language(self, language: str) -> Counts:
        return total(self.per_meeting[m.name] for m in self.meetings if m.language == language)


def score_folder(
    folder: Path | str, predict: Callable[[Meeting], Mapping[str, Any]]
) -> FolderResult:
    """Runs ``predict`` (meeting -> minutes JSON) over every meeting file of ``folder``."""
    meetings = [load_meeting(p) for p in meeting_files(folder)]
    return FolderResult({m.name: score(m, predict(m)) for m in meetings}, meetings)
