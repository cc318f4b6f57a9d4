"""Due dates spoken in Mandarin: "周五之前", "月底前", "下周一", "四月十五号", "三天内".

``find_due_phrase`` finds the words; ``due_date`` turns them into a date relative to the
meeting. Everything is counted from the meeting's *local* date (``meeting_start.date()``
in the meeting's own timezone).

Conventions (each has a unit test):

* 今天/今晚/今天下班前 → the meeting day; 明天 → +1; 后天 → +2; 大后天 → +3.
* A weekday without 下 (周五, 周五之前, 这周五, 本周五, 星期五, 礼拜五, 周五前) → that day of
  the meeting's week (weeks start on Monday). If that day has already passed (the meeting is
  on Saturday and someone says 周五), it means next week's Friday. The meeting day itself
  counts: 周五 said on a Friday is that same day.
* 下周X / 下星期X / 下礼拜X / 下个星期X → day X of next week; 下下周X → the week after.
* 下周 / 下个星期 with no day → **Friday of next week** (the end of next working week).
  这周 / 本周 / 这个星期 (内) with no day → Friday of the meeting's week (next Friday if
  already past). 周末 → that week's Sunday (这周末, 周末前; 下周末 → next week's Sunday).
* 月底 / 月末 / 本月底 / 这个月底 / 月底前 → last day of the meeting's month;
  下个月底 / 下月底 → last day of next month; 下个月初 → the 1st of next month;
  年底 / 年末 → 31 December of the meeting's year.
* N天内 / N天之内 / N天以内 / N天后 → +N days; 一周内 / N周内 / N个星期内 / N个礼拜内 →
  +7·N days; N个工作日内 → N weekdays later; N个月内 → same day N months later (clamped
  to the month's last day). N天前 ("N days ago") is not a due date.
* M月D日 / M月D号 / M月D → the next such date on or after the meeting (next year if passed).
* D号 / D日 (之前) → the next D-th on or after the meeting (months without a D-th are
  skipped); 下个月D号 → the D-th of next month.
* Numbers are Arabic (4, 15, full-width too) or Chinese: 一…九, 十, 十五, 二十一, 三十, 两, 〇.
* 上周五, 每周五, 昨天 and the like are not due dates (they talk about the past or a habit).
"""

import calendar
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:[0-9０-９]{1,2}|[一二两三四五六七八九十〇零]{1,3})"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 6}
_WEEK = r"(?:周|星期|礼拜)"
# "明天上午", "周五下班前", "周五之前": the time of day and "before" belong to the phrase.
_BEFORE = r"(?:上午|下午|晚上|中午|早上)?(?:下班)?(?:之前|以前|前|之内|以内|内|为止)?"
# "上周五" (last Friday) and "每周五" (every Friday) are no deadlines; "一周" is a duration.
_NOT_AFTER = r"(?<![上每一两几])"


def parse_number(text: str) -> int | None:
    """A small number in Arabic or Chinese numerals: "15", "十五", "二十一", "两", "三十"."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if not text or any(c not in _DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return _DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def _week_day(today: date, weekday: int, weeks_ahead: int) -> date:
    """Day ``weekday`` (Monday 0) of the week ``weeks_ahead`` after the meeting's week."""
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks_ahead + weekday)


def _this_week_day(today: date, weekday: int) -> date:
    """That day of this week, or of next week when it has already passed."""
    day = _week_day(today, weekday, 0)
    return day if day >= today else day + timedelta(days=7)


def _add_months(today: date, months: int) -> date:
    month_index = today.month - 1 + months
    year, month = today.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _add_workdays(today: date, count: int) -> date:
    day = today
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _month_day(today: date, month: int, day: int) -> date | None:
    """The next ``month``/``day`` on or after ``today`` (next year when passed)."""
    for year in (today.year, today.year + 1, today.year + 4):  # +4: a 29 February
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
    return None


def _day_of_month(today: date, day: int) -> date | None:
    """The next ``day``-th of a month on or after ``today``, skipping short months."""
    year, month = today.year, today.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _duration(today: date, amount: int, unit: str) -> date | None:
    if unit == "天":
        return today + timedelta(days=amount)
    if unit == "工作日":
        return _add_workdays(today, amount)
    if unit == "月":
        return _add_months(today, amount)
    return today + timedelta(days=7 * amount)  # 周, 星期, 礼拜


Rule = tuple[re.Pattern[str], Callable[[re.Match[str], date], date | None]]


def _rule(pattern: str, compute: Callable[[re.Match[str], date], date | None]) -> Rule:
    return re.compile(f"(?:{pattern}){_BEFORE}"), compute


def _num(match: re.Match[str], group: str) -> int:
    return parse_number(match.group(group)) or 0


def _valid_month_day(match: re.Match[str], today: date) -> date | None:
    month, day = _num(match, "m"), _num(match, "d")
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return _month_day(today, month, day)


def _next_month_day(match: re.Match[str], today: date) -> date | None:
    year, month = _next_month(today)
    day = _num(match, "d")
    return date(year, month, day) if 1 <= day <= calendar.monthrange(year, month)[1] else None


def _named_month_end(match: re.Match[str], today: date) -> date | None:
    month = _num(match, "m")
    return (
        _month_day(today, month, calendar.monthrange(today.year, month)[1])
        if 1 <= month <= 12
        else None
    )


def _plain_day(match: re.Match[str], today: date) -> date | None:
    day = _num(match, "d")
    return _day_of_month(today, day) if 1 <= day <= 31 else None


# Most specific first: the first rule that matches anywhere in the text wins.
_RULES: list[Rule] = [
    _rule(
        rf"(?P<m>{_NUM})月(?:份)?(?P<d>{_NUM})(?:日|号)?(?![0-9一二三四五六七八九十])",
        _valid_month_day,
    ),
    _rule(rf"(?P<m>{_NUM})月(?:底|末)", _named_month_end),
    _rule(rf"下(?:个)?月(?P<d>{_NUM})(?:日|号)", _next_month_day),
    _rule(r"下(?:个)?月(?:底|末)", lambda m, t: _month_end(*_next_month(t))),
    _rule(r"下(?:个)?月初", lambda m, t: date(*_next_month(t), 1)),
    _rule(r"(?:本|这个?)?月(?:底|末)", lambda m, t: _month_end(t.year, t.month)),
    _rule(r"(?:今|本)?年(?:底|末)", lambda m, t: date(t.year, 12, 31)),
    _rule(
        rf"(?P<n>{_NUM}|半)个?(?P<u>天|工作日|周|星期|礼拜|月)(?=之内|以内|内|后|之后|以后)"
        r"(?:之内|以内|内|之后|以后|后)",
        lambda m, t: (
            _duration(t, 15, "天")
            if m.group("n") == "半" and m.group("u") == "月"
            else _duration(t, _num(m, "n"), m.group("u"))
        ),
    ),
    _rule(
        rf"下下(?:个)?{_WEEK}(?P<w>[一二三四五六日天末])",
        lambda m, t: _week_day(t, _WEEKDAYS[m.group("w")], 2),
    ),
    _rule(
        rf"下(?:个)?{_WEEK}(?P<w>[一二三四五六日天末])",
        lambda m, t: _week_day(t, _WEEKDAYS[m.group("w")], 1),
    ),
    _rule(rf"下(?:个)?{_WEEK}", lambda m, t: _week_day(t, 4, 1)),
    _rule(
        rf"{_NOT_AFTER}(?:这|本|这个)?{_WEEK}(?P<w>[一二三四五六日天末])",
        lambda m, t: _this_week_day(t, _WEEKDAYS[m.group("w")]),
    ),
    _rule(rf"(?:这|本|这个){_WEEK}", lambda m, t: _this_week_day(t, 4)),
    _rule(r"大后天", lambda m, t: t + timedelta(days=3)),
    _rule(r"(?<!大)后天", lambda m, t: t + timedelta(days=2)),
    _rule(r"明(?:天|早|晚)", lambda m, t: t + timedelta(days=1)),
    _rule(r"今(?:天|晚)(?:下班)?|下班", lambda m, t: t),
    _rule(
        rf"(?<![月0-9一二三四五六七八九十])(?P<d>{_NUM})(?:号|日)(?=之前|以前|前|为止|$|[，。,.！!？?；;\s])",
        _plain_day,
    ),
]


def _first_match(text: str) -> tuple[re.Match[str], Rule] | None:
    best: tuple[re.Match[str], Rule] | None = None
    for rule in _RULES:
        match = rule[0].search(text)
        if match and (best is None or match.start() < best[0].start()):
            best = match, rule
    return best


def find_due_phrase(text: str) -> str | None:
    """The words that give a due date ("周五之前", "月底前", "下周一"), or None.

    The earliest phrase in the text wins (a sentence rarely has two)."""
    found = _first_match(text)
    return found[0].group(0) if found else None


def due_date(text: str, meeting_start: datetime) -> date | None:
    """The date a due phrase (or a sentence containing one) means, or None."""
    found = _first_match(text)
    if found is None:
        return None
    match, (_, compute) = found
    return compute(match, meeting_start.date())
