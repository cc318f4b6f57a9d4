"""Sentences and the words every Chinese rule shares: splitting, cleaning, particles,
fillers, and the markers of questions, hypotheticals, past reports and meeting procedure."""

import re

from speech.minutes.dates_zh import find_due_phrase

# Sentence ends: Chinese and ASCII stops, and a "." that is not inside a number ("3.5").
_SPLIT = re.compile(r"(?<=[。！？；!?;…])|\n|(?<=(?<![0-9])\.)|(?<=\.)(?![0-9])")


def split_sentences(text: str) -> list[str]:
    """One utterance's sentences, each with its closing punctuation."""
    parts = (part.strip() for part in _SPLIT.split(text))
    return [part for part in parts if part and not _only_punctuation(part)]


def _only_punctuation(text: str) -> bool:
    return all(not c.isalnum() for c in text)


PUNCT = "，,、：:。！？；!?;…. \t"


END_PARTICLES = re.compile(r"(?:[吧啊呀哈呢嘛哦吗了]|好吗|行吗|可以吗|好不好)+$")

# Leading clauses that carry nothing: "好的，" "嗯，" "那，" "对了，".
FILLER = re.compile(
    r"^(?:好的?|好吧|行|嗯+|啊|哦|噢|哦对|对对|那|那么|对|对了|对的|是的?|OK|ok|可以|没问题|然后|另外|"
    r"还有|那个|这样|这样吧|那就这样|收到|明白|谢谢\S{0,3})$"
)

LEAD_WORDS = re.compile(r"^(?:那么|那就|那|然后|另外|还有就是|还有|所以|就是说)")


DEMONSTRATIVE = re.compile(
    r"^(?:这个|那个|这件事|这事|这块|这个事情|这个问题|那个问题|这部分|这边|它)?$"
)

_QUESTION_END = re.compile(r"[？?]$|[吗呢]$")


TAG_QUESTION = re.compile(r"(?:对吧|是吧|对不对|是不是|没错吧|好吧|行吧)[？?]?$")

RHETORICAL = re.compile(
    r"^(?:大家)?(?:还有|有没有)(?:什么|别的|其他)?(?:问题|补充|意见)|"
    r"(?:好吗|行吗|可以吗|好不好|行不行|对吧|是吧|怎么样|明白吗|清楚吗)[？?]?$"
)

HYPOTHETICAL = re.compile(
    r"如果|假如|要是|万一|也许|或许|说不定|可能(?:会|要)?|考虑|建议|要不(?!要)|要不然|"
    r"不如|我觉得|我认为|我想|是不是|要不要|能不能考虑|的话可以|可以(?:先)?看看|我们可以"
)

PAST = re.compile(r"已经|已|昨天|前天|上周|上个?星期|上个月|上次|刚才|刚刚|之前就|早就")


_PAST_LE = re.compile(r"(?<!为)(?<!除)(?<!算)了(?!解|结)")

_UNABLE = re.compile(r"(?<!能)不能|没法|没办法|无法|不了(?!解)|不在(?!乎)")
_FUTURE = re.compile(r"会|要|将|打算|准备|之前|以前|明天|下周|回头|待会|稍后|马上")


# Running the meeting, not work to do: "我们过一下…", "先看一下…", "开始吧", "散会".
PROCEDURE = re.compile(
    r"(?:^|[，,])(?:我们|咱们|大家)?(?:就|先|来|简单|再)*(?:过|讨论|聊|说|讲|介绍|汇报|总结|"
    r"看|回顾)(?:一下|一遍)|开始吧?$|(?:^|[，,])开始|到这里|散会|"
    r"^我(?:来|先)?(?:说|讲|介绍|汇报|总结|补充|解释|分享)(?:一下|两句)"
)


def clean(text: str) -> str:
    """The sentence without closing punctuation and particles, fillers and "那" in front."""
    body = text.strip().rstrip(PUNCT)
    body = END_PARTICLES.sub("", body).rstrip(PUNCT)
    clauses = re.split(r"[，,]", body)
    while len(clauses) > 1 and FILLER.match(clauses[0].strip()):
        clauses.pop(0)
    body = "，".join(c.strip() for c in clauses)
    return LEAD_WORDS.sub("", body).strip(PUNCT)


def is_report(text: str) -> bool:
    """Something already done: "我上周已经发了", "他昨天把报告交了", "那我去准备了"."""
    plain = text.strip().rstrip(PUNCT)
    if PAST.search(plain):
        return True
    if find_due_phrase(plain):  # "明天跟他们把图纸确认了": done by a date to come
        return False
    if re.search(r"了[吧啊呀哈]?$", plain):
        return True
    return bool(_PAST_LE.search(plain)) and not _FUTURE.search(plain)


def is_unable(text: str) -> bool:
    """Cannot or will not be there: "不能再带了", "没法按时交", "那天来不了", "可能不在"."""
    return bool(_UNABLE.search(text))


def is_question(text: str) -> bool:
    return bool(_QUESTION_END.search(text.strip().rstrip("。 ")))


def is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def clean_head(text: str) -> str:
    return text.strip().lstrip(PUNCT)
