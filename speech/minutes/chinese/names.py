"""Owners: people's names (the directory's, or guessed from a common surname in an owner's
place: 王芳, 小周, 老张, 黄总, 陈老师), the speaker ("我来…") and the group ("大家要…")."""

import re

from speech.minutes.chinese.sentences import is_cjk
from speech.minutes.dates_zh import find_due_phrase
from speech.minutes.findings import NameFinder, OwnerKind

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
    r"落实|评估|调研|申请|牵头|盯|找|签|定稿|交|拿|买|印|核对|统计|收集|回复|反馈|组织|起草|盘|修|"
    r"装|拆|补|排|review)"
)

_GROUP = re.compile(r"(?:我们|咱们|大家|各位|你们)(?:这边|都|也|一起|每个人)?")


_GROUP_MARK = re.compile(r"^(?:都)?(?:需要|要(?!不)|得|必须|务必|一定要|先要|记得|请)")

# "交给小李", "拜托邓工", "由质控办的侯宁" (a department or role between 由 and the name).
_GIVE_TO = re.compile(r"(?:交给|交由|让|请|叫|安排|麻烦|拜托|委托|由(?:[^，,。]{1,8}?的)?)$")


# Words after which a name or pronoun is an object, not the owner: "发给王芳", "跟我说".
_OBJECT_BEFORE = re.compile(r"(?:给|跟|和|与|让|帮|对|向|把|被|找|问|告诉|通知|说)$")

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
        if len(given) == size and all(is_cjk(c) and c not in _NOT_IN_NAME for c in given):
            out.append(surname + given)
    return [name for name in out if name not in _NOT_NAMES]


def _after_name_is_owner(rest: str) -> bool:
    """What follows a name makes it the owner: "负责…", "，你周五之前把…", "两周内把…"."""
    rest = rest.lstrip("，, ")
    rest = re.sub(r"^(?:这边|那边)", "", rest)  # "魏东这边负责…"
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
    # A directory name needs no pause before it ("修改稿魏东这边负责"), unless it is an object.
    topic_then_known = {s for s, _, _ in found if not _OBJECT_BEFORE.search(body[:s])}
    for start in range(len(body)):
        if any(s <= start < e for s, e in known):
            continue
        found += [(start, start + len(n), n) for n in _surname_candidates(body, start)]
    owners = []
    for start, end, name in found:
        before = _GIVE_TO.search(body[:start])
        if before:
            owners.append((before.start(), end, name))
        elif _after_name_is_owner(body[end:]) and (
            start in topic_then_known or _is_name_start(body, start)
        ):
            owners.append((start, end, name))
    # The longest name at a place: "王芳芳" rather than "王芳".
    owners.sort(key=lambda o: (o[0], -(o[1] - o[0])))
    return owners


def _is_name_start(body: str, start: int) -> bool:
    """A guessed name stands after a pause, a topic or a linking word, not inside a word."""
    if start == 0 or not is_cjk(body[start - 1]):
        return True
    return body[start - 1] in "那就让请由给叫找是和跟吧的话边块个了好"


def is_name(text: str, names: NameFinder) -> bool:
    text = text.strip()
    found = names.find(text)
    if found and found[0].start == 0 and found[0].end == len(text):
        return True
    return text in _surname_candidates(text, 0)


def find_owner(body: str, names: NameFinder) -> tuple[OwnerKind, str | None, int, int] | None:
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
    return not _OBJECT_BEFORE.search(body[:start])
