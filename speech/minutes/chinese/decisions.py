"""Decisions: "决定…", "…定在…", "就这么定了", "同意…", "那就按…来", "最后确定…", "不再…",
and a "我们决定…，对吧？" that the next speaker confirms."""

import re
from collections.abc import Sequence

from speech.minutes.chinese.context import next_utterance_sentence
from speech.minutes.chinese.sentences import (
    DEMONSTRATIVE,
    END_PARTICLES,
    FILLER,
    LEAD_WORDS,
    PUNCT,
    TAG_QUESTION,
    clean,
    is_question,
)
from speech.minutes.findings import DecisionFinding, Finding
from speech.minutes.model import Sentence

# Decision markers.
_SETTLED = re.compile(r"(?:那)?(?:就)?(?:这么|这样)(?:定了?|办|决定了?)(?:吧)?")

_DECIDED = re.compile(r"(?<![没未再来谁你待])(?:最终|最后)?决定(?!权|不了|一下|吧)(?:了)?[，,：:]?")


_FIXED = re.compile(r"(?<![确决肯一约规固预稳否设制指没待])定(?:在|为|成|下来了|好了|了)")

_AGREED = re.compile(r"(?<![不同])(?:都|一致)?同意(?![吗不])")


_BY = re.compile(r"^(?:那?就)?按(?:照)?.+?(?:来|办|执行|做)$")

_CONFIRMED = re.compile(r"最(?:后|终)确定(?:了)?|(?<![不没])确定了|通过了")


_NO_MORE = re.compile(r"不再.+")

# "那确定用城东那家", "确定按第二个方案": a choice made (not "不确定", "还没确定").
_CHOSEN = re.compile(r"(?:^|[，,])(?:那|那就|就)?(?P<chosen>确定(?:用|按|选|由|为|是))")
# "没有异议的话", "如果…": the condition of a decision, not what was decided.
_CONDITION = re.compile(r"的话$|^(?:如果|要是|假如|只要)|^没有异议")
# "不请外部主持人了", "整体更换这个先不做了", "这个先不换了": a decision not to.
_NOT_DOING = re.compile(
    r"^(?P<topic>.*?)(?P<this>这个|这件事|这事)?(?P<adverb>(?:先|暂时|暂且|今年|这次|就)*)不"
    r"(?!能|会|行|好|错|够|太|是|知道|清楚|确定|一定|用谢|在|过|了|急|同意|允许|合理)"
    r"(?P<verb>[\u4e00-\u9fffA-Za-z0-9]{1,14})了$"
)
_LIGHT_VERB = re.compile(r"^(?:做|搞|弄|办|考虑|动)$")
_PROPOSAL = re.compile(r"^(?:要不要|要不|要是能|要是|如果能|我建议|建议|可以考虑|不如)")
_NOT_DECIDED = re.compile(r"还没|没有?决定|不确定|未定|待定")


def find_decision(
    sentences: Sequence[Sentence], index: int, body: str, question: bool
) -> tuple[int, Finding] | None:
    if _NOT_DECIDED.search(body) or re.search(r"要不(?!要)|建议|如果|也许|或许", body):
        return None
    if question:
        return _confirmed_decision(sentences, index)
    if re.search(r"已经|(?<![而])已(?!知)", body):
        return None  # "验收上周已经通过了": a report of an earlier decision
    text = decision_text(body)
    if text is None:
        text = _dropped(sentences, index)
        return (index, DecisionFinding(text)) if text else None
    if not text or DEMONSTRATIVE.match(text):
        if _decided_just_before(sentences, index):
            return None  # "同意，…" after "我们决定…": the same decision
        text = _previous_proposal(sentences, index)
    return (index, DecisionFinding(text)) if text else None


def _decided_just_before(sentences: Sequence[Sentence], index: int) -> bool:
    for earlier in sentences[max(0, index - 2) : index]:
        text = decision_text(clean(earlier.text))
        if text and not is_question(earlier.text):
            return True
    return False


def decision_text(body: str) -> str | None:
    """What was decided, or None when the sentence decides nothing ("" : see before)."""
    settled = _SETTLED.search(body)
    rest = _without_clause(body, settled) if settled else body
    if match := _DECIDED.search(rest):
        return _trim_decision(rest[match.end() :] or rest[: match.start()])
    if match := _FIXED.search(rest):
        after = rest[match.end() :]
        if match.group().endswith("了") and len(after) > 1:  # "我们定了用方案B"
            return _trim_decision(after)
        return _trim_decision(rest)
    if match := _AGREED.search(rest):
        after = rest[match.end() :]
        if after[:1] in "，,":  # "同意，老机型太难适配了": agreeing, then a reason
            return ""
        return _trim_decision(after) if len(after) > 1 else ""
    if match := _CHOSEN.search(rest):  # "那确定用B方案，比例不变": 确定 stays
        return _trim_decision(rest[match.start("chosen") :])
    if _BY.search(rest) or _CONFIRMED.search(rest) or _NO_MORE.search(rest):
        return _trim_decision(_CONFIRMED.sub("", rest))
    return _trim_decision(rest) if settled else None


def _without_clause(body: str, match: re.Match[str]) -> str:
    """The sentence without "就这么定了" and the demonstratives around it."""
    text = body[: match.start()] + "，" + body[match.end() :]
    clauses = [c.strip() for c in re.split(r"[，,]", text)]
    kept = [c for c in clauses if c and not DEMONSTRATIVE.match(c) and not FILLER.match(c)]
    return "，".join(kept)


def _trim_decision(text: str) -> str:
    clauses = [c for c in re.split(r"[，,]", text) if not _CONDITION.search(c.strip())]
    text = LEAD_WORDS.sub("", "，".join(clauses).strip(PUNCT))
    text = re.sub(r"^(?:我们|咱们|大家)(?:都|一致)?", "", text)
    text = re.sub(r"(?<=[^，,])就(?=定|按|用|这么)", "", text)  # "上线就定在…" → "上线定在…"
    text = re.sub(r"^那?就", "", text)
    return END_PARTICLES.sub("", text).strip(PUNCT)


def _confirmed_decision(sentences: Sequence[Sentence], index: int) -> tuple[int, Finding] | None:
    """ "我们决定…，对吧？" that the next speaker confirms ("对，…"): a decision, in the
    confirmer's words when they restate it."""
    body = sentences[index].text.strip().rstrip(PUNCT)
    if not TAG_QUESTION.search(body) or not _DECIDED.search(body):
        return None
    reply = next_utterance_sentence(sentences, index)
    if reply is None:
        return None
    answer = sentences[reply].text.strip()
    head = re.match(r"^(?:对|是|没错|对的|是的|嗯|好)[，,。！!]?", answer)
    if not head:
        return None
    restated = _trim_decision(clean(answer[head.end() :]))
    if len(restated) > 1:
        return reply, DecisionFinding(restated)
    question = TAG_QUESTION.sub("", body).rstrip(PUNCT)
    return index, DecisionFinding(decision_text(question) or question)


def _previous_proposal(sentences: Sequence[Sentence], index: int) -> str:
    """The proposal a bare "就这么定了"/"同意" settles: the last sentence with content."""
    for earlier in reversed(sentences[max(0, index - 3) : index]):
        body = clean(earlier.text)
        body = re.sub(r"^(?:我建议|建议|要不|我觉得|不如|我们可以|可以)", "", body)
        body = END_PARTICLES.sub("", body).strip(PUNCT)
        if len(body) > 2 and not FILLER.match(body):
            return body
    return ""


def _dropped(sentences: Sequence[Sentence], index: int) -> str:
    """A decision not to do something: "预算有限，不请外部主持人了，用内部的" → "不请外部主持人，
    用内部的"; "这个先不做了" after "要不把夜班改成十二小时一班？" → "先不把夜班改成…"."""
    text = sentences[index].text.strip().rstrip("。！!；;.")
    if re.search(r"我(?!们)|(?<!再)说|如果|要是|可能|也许", text):
        return ""  # one's own plans, reported speech and hypotheticals decide nothing
    clauses = [c.strip() for c in re.split(r"[，,]", text)]
    for k, clause in enumerate(clauses):
        if not (match := _NOT_DOING.match(clause)):
            continue
        verb, adverb = match.group("verb"), match.group("adverb")
        if match.group("topic") and not (adverb or match.group("this")):
            continue  # "方案来不及了": 不 inside a verb, not a decision
        topic = _topic_of(match.group("topic")) or _topic_clause(clauses[:k])
        if not topic and (_LIGHT_VERB.match(verb) or len(verb) <= 1):
            topic = _proposal_before(sentences, index)
            if topic and not _LIGHT_VERB.match(verb) and not topic.startswith(verb):
                topic = verb + topic
        elif not topic or not _LIGHT_VERB.match(verb):
            said = "，".join([f"{adverb}不{verb}", *clauses[k + 1 :]])
            return _trim_decision(f"{topic}{said}" if topic else said)
        if not topic:
            return ""
        first = [c for c in clauses[:k] if c.startswith("先")]  # "先修，整体更换先不做了"
        return _trim_decision("，".join([*first, f"{adverb}不{topic}"]))
    return ""


def _topic_of(text: str) -> str:
    text = re.sub(r"(?:的事情?|这件事|这个事情?)$", "", text.strip())
    return "" if DEMONSTRATIVE.match(text) else text


def _topic_clause(clauses: list[str]) -> str:
    """ "周末补课的事情学校不允许，这个先不做了": the clause naming the matter."""
    for clause in clauses:
        if match := re.match(r"^(?:另外|还有|那)?(.+?)(?:的事情?|这件事|这个事情?)", clause):
            return match.group(1)
    return ""


def _proposal_before(sentences: Sequence[Sentence], index: int) -> str:
    """The proposal just before ("要不把夜班改成十二小时一班？", "要是能换个新系统就好了")."""
    for earlier in reversed(sentences[max(0, index - 3) : index]):
        first = re.split(r"[，,]", clean(earlier.text))[0]
        if _PROPOSAL.match(first):
            first = re.sub(r"就好了?$", "", _PROPOSAL.sub("", first))
            return END_PARTICLES.sub("", first).strip(PUNCT)
    return ""
