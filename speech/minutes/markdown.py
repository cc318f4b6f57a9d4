"""Minutes as Markdown for people (the CLI's default output, the hub's ``?format=markdown``).

Rendered from the JSON form (``Minutes.to_json()`` or what the hub stores), so the terminal,
the command line and the hub print the same document.
"""

from datetime import datetime
from typing import Any

_HEADINGS = {
    "en": ("Minutes", "Action items", "Decisions", "Open questions", "nobody", "no date", "none"),
    "zh": ("会议纪要", "待办事项", "决定", "待定问题", "未指定", "无截止日期", "无"),
}


def render_markdown(minutes: dict[str, Any], title: str | None = None) -> str:
    """``minutes``: the JSON object of docs/minutes.md."""
    heading, actions, decisions, questions, nobody, undated, none = _HEADINGS.get(
        str(minutes.get("language")), _HEADINGS["en"]
    )
    start = datetime.fromisoformat(str(minutes["meeting_start"]))
    lines = [f"# {heading}: {title}" if title else f"# {heading}", ""]
    lines += [f"{start:%Y-%m-%d %H:%M} (UTC{start:%z})", ""]
    lines += [f"## {actions}", ""]
    for item in minutes.get("action_items", []):
        owner = item.get("owner") or nobody
        due = item.get("due") or undated
        flag = " ⚠" if item.get("review") else ""
        lines.append(f"- [ ] **{_escape(owner)}**: {_escape(item['task'])} ({due}){flag}")
        lines.append(f"  > {_escape(item['evidence']['quote'])}{_where(item['evidence'])}")
        for reason in item.get("review", []):
            lines.append(f"  - ⚠ {_escape(reason)}")
    if not minutes.get("action_items"):
        lines.append(f"_{none}_")
    for name, key in ((decisions, "decisions"), (questions, "open_questions")):
        lines += ["", f"## {name}", ""]
        entries = minutes.get(key, [])
        lines += [f"- {_escape(e['text'])}{_where(e['evidence'])}" for e in entries]
        if not entries:
            lines.append(f"_{none}_")
    return "\n".join(lines) + "\n"


def _where(evidence: dict[str, Any]) -> str:
    if evidence.get("line") is not None:
        return f" (line {evidence['line']})"
    if evidence.get("start") is not None:
        minutes, seconds = divmod(int(evidence["start"]), 60)
        return f" ({minutes:02d}:{seconds:02d})"
    return ""


def _escape(text: str) -> str:
    """Keep said text from turning into Markdown structure."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`")
