"""Where a value sits in a YAML document, for errors that name the file's line.

Shared by every loader of YAML written by people (terminal configs, scenarios): ruamel.yaml
keeps the line of each key and list item, which these helpers look up by a pydantic ``loc``.
"""

import difflib
from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

Loc = tuple[str | int, ...]


def plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(document: Any, loc: Loc) -> int | None:
    """1-based line of the deepest part of ``loc`` that exists in the document."""
    node, line = document, getattr(document.lc, "line", 0) + 1
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def closest(given: str, candidates: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(given, list(candidates), n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in candidates}
        matches = difflib.get_close_matches(given.lower(), list(lowered), n=1, cutoff=0.6)
        matches = [lowered[m] for m in matches]
    return matches[0] if matches else None
