"""Action items: the owner found in the sentence (or the listener who accepted a request),
the task as said without owner, modal and date words, and the due phrase."""

import re
from collections.abc import Sequence

from speech.minutes.chinese.context import was_accepted
from speech.minutes.chinese.names import find_owner, is_name
from speech.minutes.chinese.sentences import (
    DEMONSTRATIVE,
    END_PARTICLES,
    LEAD_WORDS,
    PAST,
    PROCEDURE,
    PUNCT,
    clean,
    is_question,
)
from speech.minutes.dates_zh import find_due_phrase
from speech.minutes.findings import ActionFinding, NameFinder, OwnerKind
from speech.minutes.model import Sentence

_LISTENER = re.compile(r"你(?!们|好|觉得|看看?(?!一下)|说|知道|那边)")

_REQUEST = re.compile(r"一下|帮|能不能|可不可以|可以|麻烦|请|把|负责|来|去|记得")


# The words to drop from a task.
_TASK_LEAD = re.compile(
    r"^(?:[，,、\s]|你|也|就|再|先|还|都|来|去(?!年)|会(?!议)|要|需要|得|负责|请|帮忙|"
    r"能不能|可不可以|可以|能|麻烦|尽快|争取|一定|务必|必须|记得|这边|那边|下来|回头|"
    r"马上|稍后|待会|在|于|到|截止)+"
)

_TASK_FILLER = re.compile(r"^(?:就是|也就是|是|大概|左右|然后|没问题|可以|好的?|行|对)?$")


_TOPIC_TRIM = re.compile(r"(?:的话|那边|这边|方面|这块|这个|这件事|这个事情?|的事情?|就|也|都)+$")
# Side remarks after a task: "不急", "行政配合" (someone else helps).
_ASIDE = re.compile(
    r"^(?:不急|不着急|不用急|慢慢来|没关系|辛苦了?|\S{1,6}(?:配合|协助))$|有点赶|太赶|来不及|不行"
)
# The question part of an asked topic: "谁来签", "今年还盘不盘", "定了吗", "用哪家".
_ASKING = re.compile(
    r"(?:今年|明年|现在|这次|目前|到底|还)*(?:谁|哪|什么|怎么|多少|是否|要不要|能不能|有没有|"
    r"定了|(.)不\1).*$"
)


def has_own_action(sentences: Sequence[Sentence], index: int, names: NameFinder) -> bool:
    utterance = sentences[index].utterance
    for i in range(index, min(len(sentences), index + 3)):
        if sentences[i].utterance is not utterance:
            break
        body = clean(sentences[i].text)
        action = find_action(sentences, i, body, names)
        if action and action.task and not PAST.search(body):
            return True
    return False


def find_action(
    sentences: Sequence[Sentence], index: int, body: str, names: NameFinder
) -> ActionFinding | None:
    owner = find_owner(body, names)
    if owner is None:
        request = find_request(sentences, index, body, names)
        if request and was_accepted(sentences, index):
            return request
        return None
    kind, name, start, end = owner
    due = _due(body)
    task = _task(body[:start], _own_part(body[end:], names), sentences, index)
    if not task or PROCEDURE.search(task):
        return None
    return ActionFinding(task, kind, name, due)


def _due(body: str) -> str | None:
    """The first due phrase not turned down in its clause ("月底有点赶，我下周一之前…")."""
    for clause in re.split(r"[，,]", body):
        if (due := find_due_phrase(clause)) and not _ASIDE.search(clause):
            return due
    return find_due_phrase(body)


def _own_part(after: str, names: NameFinder) -> str:
    """The clauses up to the next owner's: "我负责前端，李明负责后端" → "负责前端"."""
    clauses = re.split(r"([，,])", after)
    for k in range(2, len(clauses), 2):
        owner = find_owner(clauses[k], names)
        if owner and owner[2] == 0:
            return "".join(clauses[:k])
    return after


def find_request(
    sentences: Sequence[Sentence],
    index: int,
    body: str,
    names: NameFinder,
    due: str | None = None,
) -> ActionFinding | None:
    """ "(张伟，)你…一下" or "老何，…能修完吗": the named person or, unnamed, the listener."""
    kind: OwnerKind = "listener"
    name: str | None = None
    head, sep, rest = body.partition("，")
    listener = _LISTENER.search(body)
    if sep and is_name(head, names):  # a vocative: "小徐，明天你把…"
        kind, name, before, after = "name", head.strip(), "", rest
    elif listener:
        before, after = body[: listener.start()], body[listener.end() :]
        named = [m for m in names.find(before) if m.end == len(before.rstrip("，, "))]
        if named:
            kind, name, before = "name", named[-1].text, before[: named[-1].start]
    else:
        return None
    if not _REQUEST.search(after) and due is None and not is_question(sentences[index].text):
        return None
    task = _task(before, after, sentences, index)
    if not task:
        return None
    return ActionFinding(task, kind, name, due or _due(body))


def _task(before: str, after: str, sentences: Sequence[Sentence], index: int) -> str:
    """The task: what follows the owner, with the topic said just before it in the same
    clause ("测试报告我来负责…"); else that topic; else what was just asked or proposed."""
    task = _trim_task(after)
    clauses = re.split(r"[，,]", before)
    topic = _topic(clauses[-1])
    lead = "" if topic else _topic(before)  # "…五层的模板要全部拆完，邓工你盯一下"
    pointed = len(clauses) > 1 and bool(DEMONSTRATIVE.match(_topic_word(clauses[-1])))
    asked = _asked_topic(sentences, index)
    if topic and asked.endswith(topic) and len(asked) <= 12:
        topic = asked  # "那供货合同谁来签？" "合同这件事就拜托邓工了…签好" → "供货合同签好"
    if task and topic and not task.startswith("把") and len(topic) <= 12:
        task = topic + task  # "测试报告我来负责，本周五之前发给大家" → "测试报告发给大家"
    elif task and lead and (pointed or _bare(task)):
        # "数据出境需要做个评估，这件事就拜托可欣了，给个意见" / "…，我来汇总" / "…，你盯一下"
        task = _with_object(task, lead) if _bare(task) else lead + "，" + task
    elif not task or DEMONSTRATIVE.match(task):
        task = topic or lead or _task_from_before(sentences, index)
    if _bare(task):
        context = asked or _said_before(sentences, index)
        task = _with_object(task, context) if context else task
    return task


def _bare(task: str) -> bool:
    """A verb with no object: "签好", "盯一下", "给您", "牵头，盘完"."""
    content = re.sub(r"一下|[您你我他她们]|大家", "", task)
    return all(len(clause) <= 2 for clause in re.split(r"[，,]", content))


def _with_object(verb: str, thing: str) -> str:
    """ "盯" + "五层的模板拆完" → "盯五层的模板拆完"; "给我" + "耗材统计" → "耗材统计给我"."""
    verb = re.sub(r"一下$", "", verb)
    if re.search(r"[您你我他她]|大家", verb):
        return thing + verb
    return verb + thing


def _topic_word(clause: str) -> str:
    return re.sub(r"(?:就|也|都|先)+$", "", clause.strip())


def _topic(text: str) -> str:
    """What a lead names as the thing to do, without dates, modals and "这件事"."""
    topic = _TOPIC_TRIM.sub("", _trim_task(text)).strip(PUNCT)
    topic = re.sub(r"(?<=.)(?:那块|这块|方面)(?=.)", "", topic)
    return re.sub(r"(?<=[\u4e00-\u9fff])(?:需要|必须|要)(?=[\u4e00-\u9fff])", "", topic)


def _trim_task(text: str) -> str:
    while due := find_due_phrase(text):
        text = text.replace(due, "，", 1)
    clauses = []
    for clause in re.split(r"[，,]", text):
        clause = LEAD_WORDS.sub("", clause.strip())
        if _TASK_FILLER.match(clause) or _ASIDE.match(clause):
            continue
        clause = _TASK_LEAD.sub("", clause)
        clause = re.sub(r"一下(?=.)", "", clause)
        clause = END_PARTICLES.sub("", clause).strip(PUNCT)
        if clause and not _TASK_FILLER.match(clause) and not DEMONSTRATIVE.match(clause):
            clauses.append(clause)
    return "，".join(clauses)


def _asked_topic(sentences: Sequence[Sentence], index: int) -> str:
    """The topic of the question someone else asked just before ("明年的设备预算，…？",
    "供货合同谁来签？", "固定资产今年还盘不盘？")."""
    speaker = sentences[index].utterance.speaker
    for earlier in reversed(sentences[max(0, index - 4) : index]):
        if is_question(earlier.text) and earlier.utterance.speaker != speaker:
            topic = re.split(r"[，,]", clean(earlier.text))[0]
            topic = _ASKING.sub("", topic) or topic
            return _TOPIC_TRIM.sub("", topic)
    return ""


def _said_before(sentences: Sequence[Sentence], index: int) -> str:
    """ "这个我来催": what someone else just said ("监理上个月说会把整改通知单发过来")."""
    utterance = sentences[index].utterance
    if index == 0 or sentences[index - 1].utterance.speaker == utterance.speaker:
        return ""
    clauses = [c for c in re.split(r"[，,]", clean(sentences[index - 1].text)) if len(c) > 3]
    if not clauses:
        return ""
    said = re.sub(r"(?:上个?月|上周|上次|之前|昨天|前天|刚才)", "", clauses[0])
    return re.sub(r"说(?:会|要)?把?", "", said)


def _task_from_before(sentences: Sequence[Sentence], index: int) -> str:
    """ "我来吧" / "这个交给小李": the task is what was just asked or proposed."""
    if index == 0:
        return ""
    body = clean(sentences[index - 1].text)
    body = re.sub(r"^(?:那)?(?:谁|哪位|谁来|谁去|谁负责|谁能)(?:来|去|负责|能)?", "", body)
    body = re.sub(r"^(?:要不|我建议|建议|我们|需要|要)", "", body)
    return END_PARTICLES.sub("", body).strip(PUNCT)
