"""The doctor's report for people: one line per check, the fix under each problem."""

import textwrap

from edge.doctor.result import Status
from edge.doctor.runner import Report

_LABELS = {Status.OK: "ok", Status.WARN: "warn", Status.FAIL: "FAIL", Status.SKIP: "skip"}
_WIDTH = 100


def render(report: Report) -> str:
    name_width = max(len(r.name) for r in report.results)
    lines = []
    for result in report.results:
        label = _LABELS[result.status]
        optional = "" if result.required or result.status is Status.OK else " (not required)"
        indent = " " * (8 + name_width)
        lines += textwrap.wrap(
            f"{label:<4}  {result.name:<{name_width}}  {result.message}{optional}",
            _WIDTH,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        )
        if result.fix:
            lines += textwrap.wrap(
                f"fix: {result.fix}",
                _WIDTH,
                initial_indent=indent,
                subsequent_indent=indent + "     ",
                break_on_hyphens=False,
                break_long_words=False,
            )
    lines.append("")
    if report.failed:
        lines.append(f"{len(report.failed)} required check(s) failed: {', '.join(report.failed)}")
    else:
        warned = f" ({len(report.warnings)} warning(s))" if report.warnings else ""
        lines.append(f"all required checks passed{warned}")
    return "\n".join(lines)
