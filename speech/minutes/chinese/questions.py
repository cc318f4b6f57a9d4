"""Open questions: markers ("还不确定", "待定", "下次再讨论"), and direct questions nobody
answers; a question that is a request someone accepts is an action item instead."""

import re
from collections.abc import Sequence

from speech.minutes.chinese.actions import find_request, has_own_action
from speech.minutes.chinese.context import ACCEPT, counter_offer, replies_to
from speech.minutes.chinese.decisions import decision_text
from speech.minutes.chinese.names import is_name
from speech.minutes.chinese.sentences import (
    DEMONSTRATIVE,
    END_PARTICLES,
    FILLER,
    HYPOTHETICAL,
    PUNCT,
    RHETORICAL,
    clean,
)
from speech.minutes.findings import Finding, NameFinder, QuestionFinding
from speech.minutes.model import Sentence

_NON_ANSWER = re.compile(
    r"^(?:这个问题|这个事情|这件事|这个|这)?(?:我|我们)?(?:也)?(?:还)?(?:不清楚|不确定|不知道|"
    r"没想好|说不好|不好说|"
    r"还没定|待定|再说|以后再说|回头再说|下次再讨论)"
)

# Open-question markers, and what to keep of the sentence around them.
_OPEN = re.compile(
    r"还不(?:确定|清楚|知道)|不确定|待定|还没(?:有)?(?:定|排|确定|决定|想好|安排|落实|讨论|"
    r"搞清楚|确认|结论)|还需要(?:再)?确认|需要再确认|有待|(?:下次|下周|以后)再(?:讨论|议|商量)|"
    r"再议|回头再讨论|不知道(?=什么|怎么|是否|能不能|要不要|谁|哪)"
)

# The asker puts the question off: it stays open.
_DEFERRED = re.compile(r"先放一放|放一放|以后再说|回头再说|到时候再说|下次再(?:讨论|说)|先不讨论")

_QUESTION_LEAD = re.compile(
    r"^(?:(?:还有|另外|我有|我还有)?(?:一)?个(?:问题|事情?)|问题是)[，,：:]?|"
    r"^[^，,]{0,4}问(?=能|要|是|什么|怎么|为什么|有没有|可不可以)"
)


def find_open_question(
    sentences: Sequence[Sentence], index: int, body: str
) -> QuestionFinding | None:
    match = _OPEN.search(body)
    if not match:
        return None
    before = _question_text(body[: match.start()])
    after = _question_text(re.split(r"[，,]", body[match.end() :].lstrip("，, "))[0])
    text = before if len(before) > 1 and not DEMONSTRATIVE.match(before) else ""
    if match.group() == "不知道":  # "合同模板还没给，不知道什么时候能给"
        text = "，".join(t for t in (text, after) if t)
    elif not text and match.group().startswith(("还需要", "需要")):
        text = after if len(after) > 1 else ""
    if not text or _recent_open_question(sentences, index):
        return None  # "这个还不清楚": it answers the question before, which is the open one
    return QuestionFinding(text)


def _question_text(text: str) -> str:
    clauses = [c.strip() for c in re.split(r"[，,]", text)]
    clauses = [_QUESTION_LEAD.sub("", c) for c in clauses if not _QUESTION_LEAD.fullmatch(c)]
    clauses = [c for c in clauses if c and not FILLER.match(c) and not DEMONSTRATIVE.match(c)]
    text = "，".join(clauses)
    text = re.sub(r"(?:的事情|的事|这件事|这个事情|这个问题)$", "", text) or text
    return END_PARTICLES.sub("", text).strip(PUNCT)


def _recent_open_question(sentences: Sequence[Sentence], index: int) -> bool:
    """The sentence just before already left a question open (one topic, one question)."""
    for earlier in sentences[max(0, index - 2) : index]:
        if _OPEN.search(earlier.text) and len(_question_text(clean(earlier.text))) > 2:
            return True
    return False


def classify_question(
    sentences: Sequence[Sentence], index: int, body: str, names: NameFinder
) -> tuple[int, Finding] | None:
    """A question: a request someone takes on ("你能不能…？" "好的"), a question left open,
    or (most often) neither."""
    replies = replies_to(sentences, index)
    first = clean(sentences[replies[0]].text) if replies else ""
    if replies and has_own_action(sentences, replies[0], names):
        return None  # "老张你看一下？" "好，我下周一之前…": the reply is the item
    accepted = bool(replies) and bool(ACCEPT.match(first))
    if accepted and (request := find_request(sentences, index, body, names)):
        return index, request
    # "老何，…月底前能修完吗？" "月底不行，下周一之前吧。": taken on, with their date
    due = counter_offer(sentences, replies[0]) if replies else None
    if due and (request := find_request(sentences, index, body, names, due)):
        return index, request
    raw = sentences[index].text.strip()
    if RHETORICAL.search(raw) or (HYPOTHETICAL.search(body) and "要不要" not in body):
        return None
    if replies and not _left_open(sentences, replies, first):
        return None
    text = _question_text(_strip_vocative(body, names))
    return (index, QuestionFinding(text)) if len(text) > 2 else None


def _left_open(sentences: Sequence[Sentence], replies: list[int], first: str) -> bool:
    """Nobody answers: the reply says "不清楚/还没定", or only muses and then the question is
    put off ("我觉得可以考虑…" "那这个先放一放")."""
    if _NON_ANSWER.match(first):
        return True
    if decision_text(first) is not None or not HYPOTHETICAL.search(first):
        return False
    later = range(replies[0], min(len(sentences), replies[0] + 4))
    return any(_DEFERRED.search(sentences[i].text) for i in later)


def _strip_vocative(body: str, names: NameFinder) -> str:
    """ "郑总，年会的预算上限是多少" → "年会的预算上限是多少"."""
    head, sep, rest = body.partition("，")
    return rest if sep and rest and is_name(head, names) else body
