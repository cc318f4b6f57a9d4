"""``python -m edge validate``: check terminal configs and report problems per file."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contract.config_loader import ConfigProblem, validate_files


def validate_report(paths: Sequence[str | Path]) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """The ``--json`` document and every problem in the order found.

    Problems found across files (an id used twice) belong to the file that
    repeats it, so each file's entry tells the whole story about that file.
    """
    names = [str(Path(p)) for p in paths]
    _, problems = validate_files([Path(p) for p in paths])
    by_file: dict[str, list[ConfigProblem]] = {name: [] for name in names}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    files = [
        {
            "file": name,
            "valid": not found,
            "errors": [
                {"line": p.line, "path": p.path, "message": p.message, "suggestion": p.suggestion}
                for p in found
            ],
        }
        for name, found in by_file.items()
    ]
    return {"valid": not problems, "files": files}, problems


def summary(report: dict[str, Any]) -> str:
    files = report["files"]
    invalid = [f for f in files if not f["valid"]]
    noun = "file" if len(files) == 1 else "files"
    if not invalid:
        return f"{len(files)} {noun} valid"
    count = sum(len(f["errors"]) for f in invalid)
    problems = "problem" if count == 1 else "problems"
    return f"{len(invalid)} of {len(files)} {noun} invalid ({count} {problems})"
