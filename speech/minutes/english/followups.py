"""What the owner of an item says right after it: "Hugo, you take the bank reconciliation."
"Sure, I'll have it done by Friday." is one item (Hugo's, due Friday), not two. A follow-up
is the owner's own "I'll ... it / them / that" (or a restatement sharing the task's words)
within the next few utterances; its date, when it says one, becomes the item's date.
"""

import re

from speech.minutes.english.context import Context, Found, Request
from speech.minutes.findings import ActionFinding

_PRONOUN_TASK = re.compile(
    r"^(?:\w+\s+){0,2}?(?:it|them|that|this|those|one)\b(?!\s+(?:of|which|who)\b)", re.I
)
_STEM = re.compile(r"(?:ing|ed|es|s)$")
_SMALL = frozenset(
    "the a an to for of on in with and or at by my our your their it them".split()  # noqa: SIM905
)


def follow_ups(found: dict[int, Found], ctx: Context) -> None:
    """Fold the owner's follow-ups into the item they follow (see the module docstring)."""
    for index in sorted(found):
        item = found.get(index)
        if isinstance(item, Request) and item.owner_kind == "speaker" and not item.task:
            pass  # "I'll do it today" with nothing left to answer: a follow-up or nothing
        elif not (isinstance(item, ActionFinding) and item.owner_kind == "speaker"):
            continue
        earlier = _followed(index, item, found, ctx)
        if earlier is None:
            continue
        found.pop(index)
        previous = found[earlier]
        due = item.due_phrase if isinstance(item, ActionFinding) else item.due
        if isinstance(previous, ActionFinding) and due:
            found[earlier] = ActionFinding(
                previous.task, previous.owner_kind, previous.owner_name, due
            )


def _followed(
    index: int, item: ActionFinding | Request, found: dict[int, Found], ctx: Context
) -> int | None:
    """The earlier item of the same owner that ``item`` (said at ``index``) follows up."""
    speaker = ctx.speaker(index)
    if speaker is None:
        return None
    pronoun = isinstance(item, Request) or bool(_PRONOUN_TASK.match(item.task))
    turns = 0
    for earlier in range(index - 1, max(-1, index - 6), -1):
        if ctx.turn[earlier] != ctx.turn[earlier + 1]:
            turns += 1
            if turns > 3:
                break
        other = found.get(earlier)
        if not isinstance(other, ActionFinding):
            continue
        if not _same_person(_owner(earlier, other, ctx), speaker, ctx):
            return None  # someone else's item in between: not a follow-up
        if pronoun or _overlap(other.task, item.task if isinstance(item, ActionFinding) else ""):
            return earlier
        return None
    return None


def _owner(index: int, item: ActionFinding, ctx: Context) -> str | None:
    if item.owner_kind == "speaker":
        return ctx.speaker(index)
    if item.owner_kind == "name":
        return item.owner_name
    if item.owner_kind == "listener":
        turns = ctx.next_turns(index, 1)
        return ctx.speaker(turns[0][0]) if turns else None
    return None


def _same_person(a: str | None, b: str | None, ctx: Context) -> bool:
    if not a or not b:
        return False
    if a.casefold() == b.casefold() or a.split()[0].casefold() == b.split()[0].casefold():
        return True
    resolve = getattr(ctx.names, "resolve", None)  # a Directory knows aliases ("Des")
    if resolve is None:
        return False
    first, second = resolve(a), resolve(b)
    return first is not None and first == second


def _overlap(a: str, b: str) -> bool:
    words_a = {_STEM.sub("", w) for w in a.lower().split() if w not in _SMALL}
    words_b = {_STEM.sub("", w) for w in b.lower().split() if w not in _SMALL}
    return bool(words_a & words_b) and len(words_a & words_b) >= 0.5 * min(
        len(words_a), len(words_b)
    )
