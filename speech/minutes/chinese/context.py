"""The neighbours of a sentence: who replied, whether the reply accepts, a counter-offered
date, and commitments revised soon after."""

import dataclasses
import itertools
import re
from collections.abc import Sequence

from speech.minutes.chinese.sentences import clean_head
from speech.minutes.dates_zh import find_due_phrase
from speech.minutes.findings import ActionFinding, Finding
from speech.minutes.model import Sentence

ACCEPT = re.compile(r"^(?:好的?|好啊|没问题|可以|行|OK|ok|收到|嗯好|明白|没事|我来)")


def without_revised(
    sentences: Sequence[Sentence], found: list[tuple[int, Finding]]
) -> list[tuple[int, Finding]]:
    """A commitment restated soon after by the same person ("我本周五之前给您" … "那我下周一之前
    给您") was revised: keep the last word."""
    actions = [(i, f) for i, f in found if isinstance(f, ActionFinding)]
    revised = set()
    for (i, first), (j, later) in itertools.pairwise(actions):
        assert isinstance(first, ActionFinding) and isinstance(later, ActionFinding)
        same_owner = (first.owner_kind, first.owner_name) == (later.owner_kind, later.owner_name)
        same_voice = sentences[i].utterance.speaker == sentences[j].utterance.speaker
        if same_owner and same_voice and j - i <= 4 and _similar_task(first.task, later.task):
            revised.add(i)
    return [(i, f) for i, f in found if i not in revised]


def _similar_task(a: str, b: str) -> bool:
    pairs_a = {a[k : k + 2] for k in range(len(a) - 1)}
    pairs_b = {b[k : k + 2] for k in range(len(b) - 1)}
    if not pairs_a or not pairs_b:
        return a == b
    return len(pairs_a & pairs_b) / min(len(pairs_a), len(pairs_b)) >= 0.5


def counter_offer(sentences: Sequence[Sentence], reply: int) -> str | None:
    """The last due phrase of a reply that names its own date ("…下周一之前吧")."""
    utterance = sentences[reply].utterance
    due = None
    for sentence in sentences[reply:]:
        if sentence.utterance is not utterance:
            break
        for clause in re.split(r"[，,]", sentence.text):
            if (found := find_due_phrase(clause)) and not re.search(r"不行|不可能|来不及", clause):
                due = found
    return due


def next_utterance_sentence(sentences: Sequence[Sentence], index: int) -> int | None:
    replies = replies_to(sentences, index)
    return replies[0] if replies else None


def replies_to(sentences: Sequence[Sentence], index: int) -> list[int]:
    """The first sentence of each of the next two utterances by someone else."""
    asker = sentences[index].utterance
    out: list[int] = []
    previous = asker
    for i in range(index + 1, len(sentences)):
        utterance = sentences[i].utterance
        if utterance is previous:
            continue
        previous = utterance
        if utterance.speaker is not None and utterance.speaker == asker.speaker:
            continue
        out.append(i)
        if len(out) == 2:
            break
    return out


def was_accepted(sentences: Sequence[Sentence], index: int) -> bool:
    replies = replies_to(sentences, index)
    return bool(replies) and bool(ACCEPT.match(clean_head(sentences[replies[0]].text)))


# A clause that is only a date: "下周一之前吧", "那就下周一", "改到周五".
_BARE_DUE = re.compile(r"^(?:好|行|可以|嗯|那|就|那就|改成|改到)*(?P<due>.+?)(?:吧|啊|了)?$")
_REJECTED = re.compile(r"有点赶|太赶|来不及|不行|不可能|做不完")


def settle_replies(
    sentences: Sequence[Sentence], found: list[tuple[int, Finding]]
) -> list[tuple[int, Finding]]:
    """What the next words change: "丽华你下班前给我" "好，我下班前发您" is one item (the
    reply's date wins); "…本周五之前…" "太赶了，下周一之前吧" "行，那就下周一" moves the date."""
    out = dict(found)
    actions = sorted(i for i, f in found if isinstance(f, ActionFinding))
    for i, j in itertools.pairwise(actions):
        asked, reply = out.get(i), out.get(j)
        if not isinstance(asked, ActionFinding) or not isinstance(reply, ActionFinding):
            continue
        if _accepts(sentences, i, j, asked, reply):
            del out[j]
            if reply.due_phrase:
                out[i] = dataclasses.replace(asked, due_phrase=reply.due_phrase)
    for i in sorted(out):
        item = out[i]
        if isinstance(item, ActionFinding) and (due := _moved_to(sentences, i, out)):
            out[i] = dataclasses.replace(item, due_phrase=due)
    return sorted(out.items())


def _accepts(
    sentences: Sequence[Sentence], i: int, j: int, asked: ActionFinding, reply: ActionFinding
) -> bool:
    """The reply takes on what was just asked of its speaker: "好，我下班前发您"."""
    if asked.owner_kind not in ("name", "listener") or reply.owner_kind != "speaker":
        return False
    answers = replies_to(sentences, i)
    if not answers or sentences[answers[0]].utterance is not sentences[j].utterance:
        return False
    text = sentences[j].text
    return bool(re.search(r"[您你]", text)) or _similar_task(asked.task, reply.task)


def _moved_to(sentences: Sequence[Sentence], index: int, found: dict[int, Finding]) -> str | None:
    """The date an item was moved to in the next three utterances, by a clause that is only
    a date ("下周一之前吧"), before any other item comes up."""
    utterance, moved, turns = sentences[index].utterance, None, 0
    for k in range(index + 1, len(sentences)):
        if sentences[k].utterance is not utterance:
            utterance, turns = sentences[k].utterance, turns + 1
        if turns > 3 or k in found:
            break
        for clause in re.split(r"[，,]", sentences[k].text.strip().rstrip("。！？!?.；;")):
            bare = _BARE_DUE.match(clause.strip())
            due = find_due_phrase(clause)
            if bare and due and bare.group("due") == due and not _REJECTED.search(clause):
                moved = due
    return moved
