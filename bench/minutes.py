"""Minutes: the rule-based extractor against the hand-written meetings of tests/data/minutes.

The issue's check: action-item F1 >= 0.9 and decision F1 >= 0.8 on the held-out half
(``tests/data/minutes/test``, fixed on 2026-11-27 before any tuning; ``dev`` is for tuning).

Each meeting goes through what ``python -m speech minutes INPUT --meeting-start ISO8601
--json`` runs: ``speech.minutes.transcript.parse_transcript`` on the transcript text, then
``speech.minutes.extract.extract_minutes`` with the meeting's start, its directory (the
file's people, each with id, name and aliases; the organizer marked, and added when the
directory does not list them) and ``language="auto"`` (``--language-from-file`` passes the
file's language instead). ``Minutes.to_json()`` is scored with ``devtools.minutes_score``:
one-to-one greedy matching; an action item matches when owner, due date and task (similarity
>= 0.5) match, a decision or open question when its text does (the rules are in that
module's docstring). Precision, recall and F1 are micro-averaged over the meetings of a half.

Timing: every meeting is parsed and extracted ``--repeats`` times (default 5); a meeting's
time is its fastest run, the figure reported the median over meetings. Parsing alone is
timed the same way as the baseline.

Output: a table on stderr (per meeting, per language and per half: P/R/F1 of action items
and decisions; the mismatches with ``--show-errors``); the last line of stdout is one JSON
object:
  action_item_f1_dev, action_item_f1_test   micro-averaged F1 of each half (test: null with
                                            --quick)
  decision_f1_dev, decision_f1_test         the same for decisions
  open_question_f1_dev, open_question_f1_test   reported, not judged
  halves          per half: action_items / decisions / open_questions (tp, fp, fn,
                  precision, recall, f1) overall and per language (en, zh)
  per_language    {"en": {...}, "zh": {...}}: action_item_f1_dev/test, decision_f1_dev/test
  target_met      action_item_f1_test >= 0.9 and decision_f1_test >= 0.8 (null with --quick)
  meetings        number of meetings per half and language
  extract_ms_per_meeting   median time of parse + extract per meeting, milliseconds
  parse_ms_per_meeting     median time of parse_transcript alone (the baseline, for context)
  errors          meetings where the extractor raised (scored as empty minutes)

  python bench/minutes.py [--quick] [--show-errors] [--repeats N] [--language-from-file]

--quick: the dev half only. Exits 1 with the reason when the extractor cannot be imported.
"""

import argparse
import json
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devtools.minutes_score import (
    KINDS,
    PRF,
    Counts,
    Meeting,
    load_meeting,
    meeting_files,
    score,
    total,
)

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "minutes"
TARGET_ACTION_F1 = 0.9
TARGET_DECISION_F1 = 0.8
LANGUAGES = ("en", "zh")


class CannotRun(Exception):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_extractor() -> tuple[Callable[..., Any], Callable[..., Any], type, type]:
    try:
        from speech.minutes.directory import Directory, Person
        from speech.minutes.extract import extract_minutes
        from speech.minutes.transcript import parse_transcript
    except ImportError as exc:
        raise CannotRun(f"the minutes extractor cannot be imported ({exc})") from exc
    return parse_transcript, extract_minutes, Directory, Person


def build_directory(meeting: Meeting, directory_cls: type, person_cls: type) -> Any:
    """The meeting's people as the CLI would get them: directory users plus the organizer."""
    organizer = meeting.organizer
    people = []
    organizer_found = False
    for entry in meeting.directory:
        names = {entry.name, *entry.aliases}
        is_organizer = organizer is not None and organizer in names
        organizer_found = organizer_found or is_organizer
        people.append(person_cls(entry.id, entry.name, tuple(entry.aliases), is_organizer))
    if organizer and not organizer_found:
        people.append(person_cls(None, organizer, (), True))
    return directory_cls(people) if people else None


def _fmt(prf: PRF) -> str:
    return f"{prf.precision:5.2f} {prf.recall:5.2f} {prf.f1:5.2f}"


def _row(name: str, counts: Counts) -> str:
    a, d = counts.action_items, counts.decisions
    return f"{name:<34} {_fmt(a)} {a.tp:>3}/{a.tp + a.fn:<3}  {_fmt(d)} {d.tp:>3}/{d.tp + d.fn:<3}"


def _f1(counts: Counts | None, kind: str) -> float | None:
    return None if counts is None else round(counts.kind(kind).f1, 4)


def run(args: argparse.Namespace) -> int:
    parse_transcript, extract_minutes, directory_cls, person_cls = load_extractor()
    halves = ["dev"] if args.quick else ["dev", "test"]
    meetings: dict[str, list[Meeting]] = {
        half: [load_meeting(p) for p in meeting_files(DATA / half)] for half in halves
    }
    if not all(meetings.values()):
        raise CannotRun(f"no meeting files under {DATA}")

    per_meeting: dict[str, dict[str, Counts]] = {half: {} for half in halves}
    extract_ms: list[float] = []
    parse_ms: list[float] = []
    errors: list[str] = []
    log(
        f"{'meeting':<34} {'action items P/R/F1':>17} {'hit':>7}  {'decisions P/R/F1':>17}"
        f" {'hit':>7}"
    )
    for half in halves:
        log(f"--- {half}")
        for meeting in meetings[half]:
            directory = build_directory(meeting, directory_cls, person_cls)
            language = meeting.language if args.language_from_file else "auto"
            predicted: dict[str, Any] = {}
            best_extract = best_parse = float("inf")
            try:
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    utterances = parse_transcript(meeting.transcript)
                    t1 = time.perf_counter()
                    minutes = extract_minutes(
                        utterances,
                        meeting_start=meeting.meeting_start,
                        directory=directory,
                        language=language,
                    )
                    predicted = minutes.to_json()
                    t2 = time.perf_counter()
                    best_parse = min(best_parse, (t1 - t0) * 1000)
                    best_extract = min(best_extract, (t2 - t0) * 1000)
                extract_ms.append(best_extract)
                parse_ms.append(best_parse)
            except Exception as exc:  # scored as empty minutes, and said
                errors.append(f"{half}/{meeting.name}")
                log(f"{half}/{meeting.name}: the extractor raised {type(exc).__name__}: {exc}")
                if args.show_errors:
                    log(traceback.format_exc())
                predicted = {}
            counts = score(meeting, predicted)
            per_meeting[half][meeting.name] = counts
            log(_row(f"{meeting.name} ({meeting.language})", counts))
            if args.show_errors:
                for miss in counts.mismatches:
                    if miss.kind == "open_questions" and not args.show_questions:
                        continue
                    item = {k: v for k, v in miss.item.items() if k not in ("review",)}
                    log(
                        f"    {miss.side:<8} {miss.kind:<14} {json.dumps(item, ensure_ascii=False)}"
                    )

    def half_total(half: str, language: str | None = None) -> Counts | None:
        if half not in per_meeting:
            return None
        return total(
            per_meeting[half][m.name]
            for m in meetings[half]
            if language is None or m.language == language
        )

    log("--- totals")
    summary: dict[str, Any] = {}
    for half in halves:
        summary[half] = {}
        languages: tuple[str | None, ...] = (*LANGUAGES, None)
        for lang in languages:
            half_counts = half_total(half, lang)
            assert half_counts is not None
            log(_row(f"{half} {lang or 'all'}", half_counts))
            summary[half][lang or "all"] = {
                kind: half_counts.kind(kind).as_dict() for kind in KINDS
            }

    dev, test = half_total("dev"), half_total("test")
    action_test, decision_test = _f1(test, "action_items"), _f1(test, "decisions")
    target_met = (
        None
        if action_test is None or decision_test is None
        else action_test >= TARGET_ACTION_F1 and decision_test >= TARGET_DECISION_F1
    )
    result: dict[str, Any] = {
        "bench": "minutes",
        "quick": args.quick,
        "language_mode": "file" if args.language_from_file else "auto",
        "action_item_f1_dev": _f1(dev, "action_items"),
        "action_item_f1_test": action_test,
        "decision_f1_dev": _f1(dev, "decisions"),
        "decision_f1_test": decision_test,
        "open_question_f1_dev": _f1(dev, "open_questions"),
        "open_question_f1_test": _f1(test, "open_questions"),
        "per_language": {
            language: {
                "action_item_f1_dev": _f1(half_total("dev", language), "action_items"),
                "action_item_f1_test": _f1(half_total("test", language), "action_items"),
                "decision_f1_dev": _f1(half_total("dev", language), "decisions"),
                "decision_f1_test": _f1(half_total("test", language), "decisions"),
            }
            for language in LANGUAGES
        },
        "halves": summary,
        "target_action_item_f1": TARGET_ACTION_F1,
        "target_decision_f1": TARGET_DECISION_F1,
        "target_met": target_met,
        "meetings": {
            half: {
                "total": len(meetings[half]),
                **{lang: sum(m.language == lang for m in meetings[half]) for lang in LANGUAGES},
            }
            for half in halves
        },
        "extract_ms_per_meeting": round(statistics.median(extract_ms), 3) if extract_ms else None,
        "parse_ms_per_meeting": round(statistics.median(parse_ms), 3) if parse_ms else None,
        "repeats": args.repeats,
        "errors": errors,
    }
    log(
        f"action-item F1 dev {result['action_item_f1_dev']} test {action_test}; decision F1 dev"
        f" {result['decision_f1_dev']} test {decision_test}; extract"
        f" {result['extract_ms_per_meeting']} ms/meeting (parse alone"
        f" {result['parse_ms_per_meeting']} ms); target met: {target_met}"
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the dev half only")
    parser.add_argument(
        "--show-errors", action="store_true", help="list missed and spurious items per meeting"
    )
    parser.add_argument(
        "--show-questions",
        action="store_true",
        help="with --show-errors, list open-question mismatches too",
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per meeting (default 5)")
    parser.add_argument(
        "--language-from-file",
        action="store_true",
        help="pass each file's language instead of auto-detection",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    try:
        return run(args)
    except CannotRun as exc:
        log(f"cannot run: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
