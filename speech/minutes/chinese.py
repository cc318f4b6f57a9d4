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

The task is the sentence without the owner, modal and date words, kept close to what was
said ("把方案发给大家"); the due phrase goes to ``speech.minutes.dates_zh``.
"""

import itertools
import re
from collections.abc import Sequence

from speech.minutes.dates_zh import find_due_phrase
from speech.minutes.findings import (
    ActionFinding,
    DecisionFinding,
    Finding,
    NameFinder,
    OwnerKind,
    QuestionFinding,
)
from speech.minutes.model import Sentence

# --- sentences --------------------------------------------------------------------------

# Sentence ends: Chinese and ASCII stops, and a "." that is not inside a number ("3.5").
_SPLIT = re.compile(r"(?<=[。！？；!?;…])|\n|(?<=(?<![0-9])\.)|(?<=\.)(?![0-9])")


def split_sentences(text: str) -> list[str]:
    """One utterance's sentences, each with its closing punctuation."""
    parts = (part.strip() for part in _SPLIT.split(text))
    return [part for part in parts if part and not _only_punctuation(part)]


def _only_punctuation(text: str) -> bool:
    return all(not c.isalnum() for c in text)


# --- words and patterns -----------------------------------------------------------------

_PUNCT = "，,、：:。！？；!?;…. \t"
_END_PARTICLES = re.compile(r"(?:[吧啊呀哈呢嘛哦吗了]|好吗|行吗|可以吗|好不好)+$")
# Leading clauses that carry nothing: "好的，" "嗯，" "那，" "对了，".
_FILLER = re.compile(
    r"^(?:好的?|好吧|行|嗯+|啊|哦|噢|哦对|对对|那|那么|对|对了|对的|是的?|OK|ok|可以|没问题|然后|另外|"
    r"还有|那个|这样|这样吧|那就这样|收到|明白|谢谢\S{0,3})$"
)
_LEAD_WORDS = re.compile(r"^(?:那么|那就|那|然后|另外|还有就是|还有|所以|就是说)")
_DEMONSTRATIVE = re.compile(
    r"^(?:这个|那个|这件事|这事|这块|这个事情|这个问题|那个问题|这部分|这边|它)?$"
)

_QUESTION_END = re.compile(r"[？?]$|[吗呢]$")
_TAG_QUESTION = re.compile(r"(?:对吧|是吧|对不对|是不是|没错吧|好吧|行吧)[？?]?$")
_RHETORICAL = re.compile(
    r"^(?:大家)?(?:还有|有没有)(?:什么|别的|其他)?(?:问题|补充|意见)|"
    r"(?:好吗|行吗|可以吗|好不好|行不行|对吧|是吧|怎么样|明白吗|清楚吗)[？?]?$"
)
_HYPOTHETICAL = re.compile(
    r"如果|假如|要是|万一|也许|或许|说不定|可能(?:会|要)?|考虑|建议|要不(?!要)|要不然|"
    r"不如|我觉得|我认为|我想|是不是|要不要|能不能考虑|的话可以|可以(?:先)?看看|我们可以"
)
_PAST = re.compile(r"已经|已|昨天|前天|上周|上个?星期|上个月|上次|刚才|刚刚|之前就|早就")
_PAST_LE = re.compile(r"(?<!为)(?<!除)(?<!算)了(?!解|结)")
_FUTURE = re.compile(r"会|要|将|打算|准备|之前|以前|明天|下周|回头|待会|稍后|马上")
# Running the meeting, not work to do: "我们过一下…", "先看一下…", "开始吧", "散会".
_PROCEDURE = re.compile(
    r"(?:^|[，,])(?:我们|咱们|大家)?(?:就|先|来|简单|再)*(?:过|讨论|聊|说|讲|介绍|汇报|总结|"
    r"看|回顾)(?:一下|一遍)|开始吧?$|(?:^|[，,])开始|到这里|散会|"
    r"^我(?:来|先)?(?:说|讲|介绍|汇报|总结|补充|解释|分享)(?:一下|两句)"
)

_ACCEPT = re.compile(r"^(?:好的?|好啊|没问题|可以|行|OK|ok|收到|嗯好|明白|没事|我来)")
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

# Decision markers.
_SETTLED = re.compile(r"(?:那)?(?:就)?(?:这么|这样)(?:定了?|办|决定了?)(?:吧)?")
_DECIDED = re.compile(r"(?<![没未再来谁你待])(?:最终|最后)?决定(?!权|不了|一下|吧)(?:了)?[，,：:]?")
_FIXED = re.compile(r"(?<![确决肯一约规固预稳否设制指没待])定(?:在|为|成|下来了|好了|了)")
_AGREED = re.compile(r"(?<![不同])(?:都|一致)?同意(?![吗不])")
_BY = re.compile(r"^(?:那?就)?按(?:照)?.+?(?:来|办|执行|做)$")
_CONFIRMED = re.compile(r"最(?:后|终)确定(?:了)?|(?<![不没])确定了|通过了")
_NO_MORE = re.compile(r"不再.+")
_NOT_DECIDED = re.compile(r"还没|没有?决定|不确定|未定|待定")

# Owners.
_SPEAKER = re.compile(r"我(?!们)(?:这边|这里|自己)?(?:也|就|再|先)?")
_SPEAKER_NOT = re.compile(
    r"^(?:觉得|想|认为|看(?!一下)|记得|知道|同意|不|没|是|有|已经|说|个人|也觉得|刚|上|去年|"
    r"会议|们)"
)
_OWNER_MARK = re.compile(
    r"^(?:负责|来|去(?!年)|会(?!议)|把|先|马上|回头|稍后|待会|下来|今天|明天|尽快|要|需要|得|"
    r"争取|可以|跟|跟进|给|整理|准备|写|发|做|提交|安排|联系|确认|检查|更新|处理|通知|"
    r"修改|改|出|查|弄|搞|订|约|催|完成|部署|测试|演练|推进|对接|沟通|汇总|上传|提供|"
    r"落实|评估|调研|申请|review)"
)
_GROUP = re.compile(r"(?:我们|咱们|大家|各位|你们)(?:这边|都|也|一起|每个人)?")
_GROUP_MARK = re.compile(r"^(?:都)?(?:需要|要(?!不)|得|必须|务必|一定要|先要|记得|请)")
_LISTENER = re.compile(r"你(?!们|好|觉得|看看?(?!一下)|说|知道|那边)")
_REQUEST = re.compile(r"一下|帮|能不能|可不可以|可以|麻烦|请|把|负责|来|去|记得")
_GIVE_TO = re.compile(r"(?:交给|交由|让|请|由|叫|安排|麻烦)$")

# The words to drop from a task.
_TASK_LEAD = re.compile(
    r"^(?:[，,、\s]|你|也|就|再|先|还|都|来|去(?!年)|会(?!议)|要|需要|得|负责|请|帮忙|"
    r"能不能|可不可以|可以|能|麻烦|尽快|争取|一定|务必|必须|记得|这边|那边|下来|回头|"
    r"马上|稍后|待会|在|于|到|截止)+"
)
_TASK_FILLER = re.compile(r"^(?:就是|也就是|是|大概|左右|然后|没问题|可以|好的?|行|对)?$")
_TOPIC_TRIM = re.compile(r"(?:的话|那边|这边|方面|这块|这个)+$")

# The ~100 most common Chinese surnames, for names the directory does not know.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳"
    "翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "慕容")
_TITLES = ("总", "老师", "经理", "主任", "工", "姐", "哥", "哥哥", "姐姐", "师傅", "博士")
# Characters that do not end or continue a given name (function words, owner and date words).
_NOT_IN_NAME = set(
    "来去会把要先你我他她们的了在是和就也都还再这那个负责交给让请由说今明后下上本每周星礼"
    "月号日天之前内完发做写跟与及一二三四五六七八九十两给，,。？！、：的得地着过吗呢吧啊"
)
# Common words that start with a surname character and could stand before an owner word.
_NOT_NAME_WORDS = (
    "马上 明天 明早 明晚 明年 明确 方案 方面 方便 方法 方向 文档 文件 文案 "
    "时间 时候 应该 安排 全部 全体 全员 成本 程序 关于 于是 常规 单独 管理 "
    "解决 高层 路上 周一 周二 周三 周四 周五 周六 周日 周末 周报 周会 黄金 "
    "金额 毛利 钱包 万一 向前 向上 易用 简单 包括 包装 宁可 尚未 符合 纪要 "
    "凌晨 毕竟 季度 曲线 蓝色 高度 高效 高级 程度 任务 任何 任意 康复 施工 "
    "温度 齐全 庞大 颜色 庄重 申请 关键 关注 焦点 左右 祝贺 包含 宁愿 毕业 "
    "单位 成果 成员 苗头 谷歌 盛大 顾客 顾问 史上 陶瓷 雷达 龙头 黎明 段落 "
    "曾经 肖像 田野 董事 余下 余额 杜绝 叶子 程式 丁点 许多 许可 韩国 谢谢 "
    "胡乱 何时 何况 罗列 郑重 陈述 陈列 张贴 白天 白板 金融 夏天 付款 付费 "
    "范围 陆续 钟头 严格 严重 戴上 莫名 常常 常用 温和 文字 安全 安装 章节 "
    "舒服 纪律 成功 钱款"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


def _clean(text: str) -> str:
    """The sentence without closing punctuation and particles, fillers and "那" in front."""
    body = text.strip().rstrip(_PUNCT)
    body = _END_PARTICLES.sub("", body).rstrip(_PUNCT)
    clauses = re.split(r"[，,]", body)
    while len(clauses) > 1 and _FILLER.match(clauses[0].strip()):
        clauses.pop(0)
    body = "，".join(c.strip() for c in clauses)
    return _LEAD_WORDS.sub("", body).strip(_PUNCT)


def _is_report(text: str) -> bool:
    """Something already done: "我上周已经发了", "他昨天把报告交了", "那我去准备了"."""
    plain = text.strip().rstrip(_PUNCT)
    if _PAST.search(plain) or re.search(r"了[吧啊呀哈]?$", plain):
        return True
    return bool(_PAST_LE.search(plain)) and not _FUTURE.search(plain)


def _is_question(text: str) -> bool:
    return bool(_QUESTION_END.search(text.strip().rstrip("。 ")))


# --- names ------------------------------------------------------------------------------


def _surname_candidates(text: str, start: int) -> list[str]:
    """Name-like strings starting at ``start``: 王芳/王芳芳, 欧阳娜, 小王/老张, 黄总/陈老师."""
    rest = text[start:]
    out: list[str] = []
    if rest[:1] in "小老" and rest[1:2] in _SURNAMES:
        out.append(rest[:2])
    surname = next((s for s in _COMPOUND_SURNAMES if rest.startswith(s)), rest[:1])
    if surname not in _SURNAMES and surname not in _COMPOUND_SURNAMES:
        return out
    after = rest[len(surname) :]
    out += [surname + title for title in _TITLES if after.startswith(title)]
    for size in (1, 2):
        given = after[:size]
        if len(given) == size and all(_is_cjk(c) and c not in _NOT_IN_NAME for c in given):
            out.append(surname + given)
    return [name for name in out if name not in _NOT_NAMES]


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _after_name_is_owner(rest: str) -> bool:
    """What follows a name makes it the owner: "负责…", "，你周五之前把…", "两周内把…"."""
    rest = rest.lstrip("，, ")
    for _ in range(2):
        rest = rest.removeprefix("你").lstrip("，, ")
        due = find_due_phrase(rest)
        if due and rest.startswith(due):
            rest = rest[len(due) :].lstrip("，, ")
    return bool(_OWNER_MARK.match(rest))


def _owner_names(body: str, names: NameFinder) -> list[tuple[int, int, str]]:
    """Names in an owner's place, as (start of the owner words, end of the name, name)."""
    found = [(m.start, m.end, m.text) for m in names.find(body)]
    known = {(s, e) for s, e, _ in found}
    for start in range(len(body)):
        if any(s <= start < e for s, e in known):
            continue
        found += [(start, start + len(n), n) for n in _surname_candidates(body, start)]
    owners = []
    for start, end, name in found:
        before = _GIVE_TO.search(body[:start])
        if before:
            owners.append((before.start(), end, name))
        elif _after_name_is_owner(body[end:]) and _is_name_start(body, start):
            owners.append((start, end, name))
    # The longest name at a place: "王芳芳" rather than "王芳".
    owners.sort(key=lambda o: (o[0], -(o[1] - o[0])))
    return owners


def _is_name_start(body: str, start: int) -> bool:
    """A guessed name stands after a pause, a topic or a linking word, not inside a word."""
    if start == 0 or not _is_cjk(body[start - 1]):
        return True
    return body[start - 1] in "那就让请由给叫找是和跟吧的话边块个了好"


# --- findings ---------------------------------------------------------------------------


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
    return _without_revised(sentences, sorted(out, key=lambda pair: pair[0]))


def _without_revised(
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


def _classify(
    sentences: Sequence[Sentence], index: int, names: NameFinder
) -> tuple[int, Finding] | None:
    text = sentences[index].text
    body = _clean(text)
    if len(body) < 2:
        return None
    question = _is_question(text)
    if decision := _decision(sentences, index, body, question):
        return decision
    if (open_question := _open_question(sentences, index, body)) is not None:
        return index, open_question
    if question:
        return _question(sentences, index, body, names)
    if _is_report(text) or _HYPOTHETICAL.search(body) or _PROCEDURE.search(body):
        return None
    action = _action(sentences, index, body, names)
    return (index, action) if action else None


# --- decisions --------------------------------------------------------------------------


def _decision(
    sentences: Sequence[Sentence], index: int, body: str, question: bool
) -> tuple[int, Finding] | None:
    if _NOT_DECIDED.search(body) or re.search(r"要不(?!要)|建议|如果|也许|或许", body):
        return None
    if question:
        return _confirmed_decision(sentences, index)
    text = _decision_text(body)
    if text is None:
        return None
    if not text or _DEMONSTRATIVE.match(text):
        if _decided_just_before(sentences, index):
            return None  # "同意，…" after "我们决定…": the same decision
        text = _previous_proposal(sentences, index)
    return (index, DecisionFinding(text)) if text else None


def _decided_just_before(sentences: Sequence[Sentence], index: int) -> bool:
    for earlier in sentences[max(0, index - 2) : index]:
        text = _decision_text(_clean(earlier.text))
        if text and not _is_question(earlier.text):
            return True
    return False


def _decision_text(body: str) -> str | None:
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
    if _BY.search(rest) or _CONFIRMED.search(rest) or _NO_MORE.search(rest):
        return _trim_decision(_CONFIRMED.sub("", rest))
    return _trim_decision(rest) if settled else None


def _without_clause(body: str, match: re.Match[str]) -> str:
    """The sentence without "就这么定了" and the demonstratives around it."""
    text = body[: match.start()] + "，" + body[match.end() :]
    clauses = [c.strip() for c in re.split(r"[，,]", text)]
    kept = [c for c in clauses if c and not _DEMONSTRATIVE.match(c) and not _FILLER.match(c)]
    return "，".join(kept)


def _trim_decision(text: str) -> str:
    text = _LEAD_WORDS.sub("", text.strip(_PUNCT))
    text = re.sub(r"^(?:我们|咱们|大家)(?:都|一致)?", "", text)
    text = re.sub(r"(?<=[^，,])就(?=定|按|用|这么)", "", text)  # "上线就定在…" → "上线定在…"
    text = re.sub(r"^那?就", "", text)
    return _END_PARTICLES.sub("", text).strip(_PUNCT)


def _confirmed_decision(sentences: Sequence[Sentence], index: int) -> tuple[int, Finding] | None:
    """ "我们决定…，对吧？" that the next speaker confirms ("对，…"): a decision, in the
    confirmer's words when they restate it."""
    body = sentences[index].text.strip().rstrip(_PUNCT)
    if not _TAG_QUESTION.search(body) or not _DECIDED.search(body):
        return None
    reply = _next_utterance_sentence(sentences, index)
    if reply is None:
        return None
    answer = sentences[reply].text.strip()
    head = re.match(r"^(?:对|是|没错|对的|是的|嗯|好)[，,。！!]?", answer)
    if not head:
        return None
    restated = _trim_decision(_clean(answer[head.end() :]))
    if len(restated) > 1:
        return reply, DecisionFinding(restated)
    question = _TAG_QUESTION.sub("", body).rstrip(_PUNCT)
    return index, DecisionFinding(_decision_text(question) or question)


def _previous_proposal(sentences: Sequence[Sentence], index: int) -> str:
    """The proposal a bare "就这么定了"/"同意" settles: the last sentence with content."""
    for earlier in reversed(sentences[max(0, index - 3) : index]):
        body = _clean(earlier.text)
        body = re.sub(r"^(?:我建议|建议|要不|我觉得|不如|我们可以|可以)", "", body)
        body = _END_PARTICLES.sub("", body).strip(_PUNCT)
        if len(body) > 2 and not _FILLER.match(body):
            return body
    return ""


# --- open questions ---------------------------------------------------------------------


def _open_question(sentences: Sequence[Sentence], index: int, body: str) -> QuestionFinding | None:
    match = _OPEN.search(body)
    if not match:
        return None
    before = _question_text(body[: match.start()])
    after = _question_text(re.split(r"[，,]", body[match.end() :].lstrip("，, "))[0])
    text = before if len(before) > 1 and not _DEMONSTRATIVE.match(before) else ""
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
    clauses = [c for c in clauses if c and not _FILLER.match(c) and not _DEMONSTRATIVE.match(c)]
    text = "，".join(clauses)
    text = re.sub(r"(?:的事情|的事|这件事|这个事情|这个问题)$", "", text) or text
    return _END_PARTICLES.sub("", text).strip(_PUNCT)


def _recent_open_question(sentences: Sequence[Sentence], index: int) -> bool:
    """The sentence just before already left a question open (one topic, one question)."""
    for earlier in sentences[max(0, index - 2) : index]:
        if _OPEN.search(earlier.text) and len(_question_text(_clean(earlier.text))) > 2:
            return True
    return False


def _question(
    sentences: Sequence[Sentence], index: int, body: str, names: NameFinder
) -> tuple[int, Finding] | None:
    """A question: a request someone takes on ("你能不能…？" "好的"), a question left open,
    or (most often) neither."""
    replies = _replies(sentences, index)
    first = _clean(sentences[replies[0]].text) if replies else ""
    if replies and _has_own_action(sentences, replies[0], names):
        return None  # "老张你看一下？" "好，我下周一之前…": the reply is the item
    accepted = bool(replies) and bool(_ACCEPT.match(first))
    if accepted and (request := _request(sentences, index, body, names)):
        return index, request
    # "老何，…月底前能修完吗？" "月底不行，下周一之前吧。": taken on, with their date
    due = _counter_offer(sentences, replies[0]) if replies else None
    if due and (request := _request(sentences, index, body, names, due)):
        return index, request
    raw = sentences[index].text.strip()
    if _RHETORICAL.search(raw) or (_HYPOTHETICAL.search(body) and "要不要" not in body):
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
    if _decision_text(first) is not None or not _HYPOTHETICAL.search(first):
        return False
    later = range(replies[0], min(len(sentences), replies[0] + 4))
    return any(_DEFERRED.search(sentences[i].text) for i in later)


def _counter_offer(sentences: Sequence[Sentence], reply: int) -> str | None:
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


def _strip_vocative(body: str, names: NameFinder) -> str:
    """ "郑总，年会的预算上限是多少" → "年会的预算上限是多少"."""
    head, sep, rest = body.partition("，")
    return rest if sep and rest and _is_name(head, names) else body


def _is_name(text: str, names: NameFinder) -> bool:
    text = text.strip()
    found = names.find(text)
    if found and found[0].start == 0 and found[0].end == len(text):
        return True
    return text in _surname_candidates(text, 0)


def _clean_head(text: str) -> str:
    return text.strip().lstrip(_PUNCT)


def _has_own_action(sentences: Sequence[Sentence], index: int, names: NameFinder) -> bool:
    utterance = sentences[index].utterance
    for i in range(index, min(len(sentences), index + 3)):
        if sentences[i].utterance is not utterance:
            break
        body = _clean(sentences[i].text)
        action = _action(sentences, i, body, names)
        if action and action.task and not _PAST.search(body):
            return True
    return False


def _next_utterance_sentence(sentences: Sequence[Sentence], index: int) -> int | None:
    replies = _replies(sentences, index)
    return replies[0] if replies else None


def _replies(sentences: Sequence[Sentence], index: int) -> list[int]:
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


# --- action items -----------------------------------------------------------------------


def _action(
    sentences: Sequence[Sentence], index: int, body: str, names: NameFinder
) -> ActionFinding | None:
    owner = _owner(body, names)
    if owner is None:
        request = _request(sentences, index, body, names)
        if request and _accepted(sentences, index):
            return request
        return None
    kind, name, start, end = owner
    due = find_due_phrase(body)
    task = _task(body[:start], _own_part(body[end:], names), sentences, index)
    if not task or _PROCEDURE.search(task):
        return None
    return ActionFinding(task, kind, name, due)


def _own_part(after: str, names: NameFinder) -> str:
    """The clauses up to the next owner's: "我负责前端，李明负责后端" → "负责前端"."""
    clauses = re.split(r"([，,])", after)
    for k in range(2, len(clauses), 2):
        owner = _owner(clauses[k], names)
        if owner and owner[2] == 0:
            return "".join(clauses[:k])
    return after


def _owner(body: str, names: NameFinder) -> tuple[OwnerKind, str | None, int, int] | None:
    """The first owner in the sentence: (kind, name, where the owner words start, end)."""
    candidates: list[tuple[int, int, OwnerKind, str | None]] = []
    named = _owner_names(body, names)
    if named:
        candidates.append((named[0][0], named[0][1], "name", named[0][2]))
    for match in _SPEAKER.finditer(body):
        rest = body[match.end() :]
        if _SPEAKER_NOT.match(rest) or not _after_name_is_owner(rest):
            continue
        if not _is_subject(body, match.start()):
            continue
        candidates.append((match.start(), match.end(), "speaker", None))
        break
    for match in _GROUP.finditer(body):
        rest = body[match.end() :]
        due = find_due_phrase(rest)
        if due and rest.startswith(due):
            rest = rest[len(due) :]
        asked = body[: match.start()].endswith("请")  # "请大家…": a request to all
        if _is_subject(body, match.start()) and (
            asked or _GROUP_MARK.match(rest) or (due and rest.startswith("把"))
        ):
            candidates.append((match.start(), match.end(), "group", None))
            break
    if not candidates:
        return None
    first = min(candidates, key=lambda c: c[0])
    return first[2], first[3], first[0], first[1]


def _is_subject(body: str, start: int) -> bool:
    """A pronoun at a clause start or after a topic ("测试报告我来负责"), not an object."""
    if start == 0 or body[start - 1] in "，,、 ":
        return True
    return not re.search(r"(?:给|跟|和|与|让|帮|对|向|把|被|找|问|告诉|通知)$", body[:start])


def _request(
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
    if sep and _is_name(head, names):  # a vocative: "小徐，明天你把…"
        kind, name, before, after = "name", head.strip(), "", rest
    elif listener:
        before, after = body[: listener.start()], body[listener.end() :]
        named = [m for m in names.find(before) if m.end == len(before.rstrip("，, "))]
        if named:
            kind, name, before = "name", named[-1].text, before[: named[-1].start]
    else:
        return None
    if not _REQUEST.search(after) and due is None and not _is_question(sentences[index].text):
        return None
    task = _task(before, after, sentences, index)
    if not task:
        return None
    return ActionFinding(task, kind, name, due or find_due_phrase(body))


def _accepted(sentences: Sequence[Sentence], index: int) -> bool:
    replies = _replies(sentences, index)
    return bool(replies) and bool(_ACCEPT.match(_clean_head(sentences[replies[0]].text)))


def _task(before: str, after: str, sentences: Sequence[Sentence], index: int) -> str:
    """The task: what follows the owner, with the topic said just before it in the same
    clause ("测试报告我来负责…"); else that topic; else what was just asked or proposed."""
    task = _trim_task(after)
    clauses = re.split(r"[，,]", before)
    topic = _TOPIC_TRIM.sub("", _trim_task(clauses[-1])).strip(_PUNCT)
    if not topic:  # "月底前做一个培训满意度调查，这个交给小唐": the whole lead
        topic = _TOPIC_TRIM.sub("", _trim_task(before)).strip(_PUNCT)
        if task:
            topic = ""
    if task and topic and not task.startswith("把") and len(topic) <= 12:
        task = topic + task  # "测试报告我来负责，本周五之前发给大家" → "测试报告发给大家"
    elif not task or _DEMONSTRATIVE.match(task):
        task = topic or _task_from_before(sentences, index)
    if len(re.sub(r"[您你我他她们大家]", "", task)) <= 2:
        task += _asked_topic(sentences, index)  # "我下周一之前给您" → "给您明年的设备预算"
    return task


def _trim_task(text: str) -> str:
    while due := find_due_phrase(text):
        text = text.replace(due, "，", 1)
    clauses = []
    for clause in re.split(r"[，,]", text):
        clause = _LEAD_WORDS.sub("", clause.strip())
        if _TASK_FILLER.match(clause):
            continue
        clause = _TASK_LEAD.sub("", clause)
        clause = re.sub(r"一下(?=.)", "", clause)
        clause = _END_PARTICLES.sub("", clause).strip(_PUNCT)
        if clause and not _TASK_FILLER.match(clause) and not _DEMONSTRATIVE.match(clause):
            clauses.append(clause)
    return "，".join(clauses)


def _asked_topic(sentences: Sequence[Sentence], index: int) -> str:
    """The topic of the question someone else asked just before ("明年的设备预算，…？")."""
    speaker = sentences[index].utterance.speaker
    for earlier in reversed(sentences[max(0, index - 4) : index]):
        if _is_question(earlier.text) and earlier.utterance.speaker != speaker:
            topic = re.split(r"[，,]", _clean(earlier.text))[0]
            return _TOPIC_TRIM.sub("", topic)
    return ""


def _task_from_before(sentences: Sequence[Sentence], index: int) -> str:
    """ "我来吧" / "这个交给小李": the task is what was just asked or proposed."""
    if index == 0:
        return ""
    body = _clean(sentences[index - 1].text)
    body = re.sub(r"^(?:那)?(?:谁|哪位|谁来|谁去|谁负责|谁能)(?:来|去|负责|能)?", "", body)
    body = re.sub(r"^(?:要不|我建议|建议|我们|需要|要)", "", body)
    return _END_PARTICLES.sub("", body).strip(_PUNCT)
