"""Mandarin (simplified) rules of the minutes extractor: plain patterns, no word segmenter.

One sentence gives at most one finding; the neighbours are used as context (who answered a
question, what "就这么定了" settles, what "我来吧" takes on). In order:

1. **Decisions**: "决定…" (not "还没决定"), "…定在/定为…", "就这么定了", "同意…", "那就按…来",
   "最后确定…", "不再…了", and "我们决定…，对吧？" confirmed by the next speaker. A bare
   "就这么定了"/"同意" settles the proposal just before it.
2. **Open questions**: "还不确定/还不清楚/还没定/待定/还需要确认…是否…/下次再讨论", and a
   direct question that the next two utterances leave unanswered (or answer with "不清楚").
3. **Not action items**: questions ("要不要…？", "是不是应该…？"), hypotheticals and
   suggestions ("如果…", "也许可以考虑…", "要不…吧", "我建议…"), reports of what is done
   ("已经…", "昨天/上周…", a verb with 了), and running the meeting ("我们过一下…").
4. **Action items** with an owner: a name ("王芳负责…", "由李明来…", "交给小李", "请王芳…",
   "张伟你周五之前把…", "李明下周一之前提交…"), the speaker ("我来/我负责/我会/我去…"), the
   listener (an unnamed "你…一下" that the next utterance accepts: "好的/没问题/可以/行"),
   or the group ("我们需要/大家要…"). Names come from the directory; unknown names are
   guessed from a common surname in an owner's place (王芳, 小周, 老张, 黄总, 陈老师).

Modules: ``sentences`` (splitting, cleaning, shared markers: past reports, hypotheticals,
"不能/来不了", meeting procedure), ``names`` (surnames, owners: "拜托邓工", "由质控办的侯宁",
"魏东这边负责"), ``actions`` (task and due phrase; a bare verb takes its object from the lead
clause, the asked question or what was just said), ``decisions`` (also "确定用…" and decisions
not to: "不请外部主持人了", "这个先不做了" after a proposal), ``questions``, ``context``
(replies that accept a request and bring their own date, dates moved by "那就下周一",
commitments revised).

The task is the sentence without the owner, modal and date words, kept close to what was
said ("把方案发给大家"); the due phrase goes to ``speech.minutes.dates_zh``.
"""

from collections.abc import Sequence

from speech.minutes.chinese.actions import find_action
from speech.minutes.chinese.context import settle_replies, without_revised
from speech.minutes.chinese.decisions import find_decision
from speech.minutes.chinese.questions import classify_question, find_open_question
from speech.minutes.chinese.sentences import (
    HYPOTHETICAL,
    PROCEDURE,
    clean,
    is_question,
    is_report,
    is_unable,
    split_sentences,
)
from speech.minutes.findings import Finding, NameFinder
from speech.minutes.model import Sentence

__all__ = ["analyse", "split_sentences"]


def analyse(sentences: Sequence[Sentence], names: NameFinder) -> list[tuple[int, Finding]]:
    """The findings of the Chinese sentences, as (sentence index, finding)."""
    out: list[tuple[int, Finding]] = []
    taken: set[int] = set()
    for index, sentence in enumerate(sentences):
        if sentence.language != "zh" or index in taken:
            continue
        found = _classify(sentences, index, names)
        if found is not None:
            at, finding = found
            if at not in taken:
                taken.add(at)
                out.append((at, finding))
    return settle_replies(
        sentences, without_revised(sentences, sorted(out, key=lambda pair: pair[0]))
    )


def _classify(
    sentences: Sequence[Sentence], index: int, names: NameFinder
) -> tuple[int, Finding] | None:
    text = sentences[index].text
    body = clean(text)
    if len(body) < 2:
        return None
    question = is_question(text)
    if decision := find_decision(sentences, index, body, question):
        return decision
    if (open_question := find_open_question(sentences, index, body)) is not None:
        return index, open_question
    if question:
        return classify_question(sentences, index, body, names)
    if is_report(text) or is_unable(text) or HYPOTHETICAL.search(body) or PROCEDURE.search(body):
        return None
    action = find_action(sentences, index, body, names)
    return (index, action) if action else None
