"""English due dates: find the date words in a sentence and turn them into a calendar date.

Every date is computed from the meeting's *local* date (``meeting_start.date()``, in the
meeting's own time zone). Weeks start on Monday. The conventions, one per form:

=====================================  ==================================================
said                                   due
=====================================  ==================================================
today, tonight, this afternoon,        the meeting's date
end of (the) day, EOD, COB,
close of business
tomorrow                               the meeting's date + 1
the day after tomorrow                 + 2
Friday, by/on/before/until Friday,     the next Friday on or after the meeting's date
this coming Friday                     (the same day when the meeting is on a Friday)
this Friday                            the same as "Friday": this week's Friday, or the
                                       next one if this week's is already past
next Friday                            Friday of next week (the week after the meeting's)
Friday after next                      Friday of the week after next week
end of the week, this week, later      the next Friday on or after the meeting's date (this
this week, before the weekend          week's Friday; next week's for a weekend meeting)
end of next week                       Friday of next week
next week, the following week,         Friday of next week (the end of that working week,
sometime next week                     as 下周 in Chinese)
by next week, early next week,         Monday of next week (before it begins, or at its
start of next week                     start)
the week after next                    Monday of the week after next
end of the month, end of month,        the last day of the meeting's month
month end, this month
end of next month                      the last day of the next month
next month, start of next month        the first day of the next month
end of the quarter / year              the last day of the meeting's quarter / year
in/within N days, N days from now,     + N days ("a", "one" ... "twelve", digits;
give me N days                         "a couple of" = 2, "a few" = 3)
in/within N weeks, a fortnight         + 7 N days, + 14 days
in/within N business/working days      N weekdays later
in/within N months                     the same day N months later (clamped to the month's end)
June 1, June 1st, June first,          the next June 1st on or after the meeting's date
the first of June, 1 June,             (next year when it has passed)
Friday, June 1
June 1, 2027, 1 June 2027              that date
end of June                            the last day of the next June (on or after the
                                       meeting's date)
2026-06-01                             that date
by/on/before the 15th, the fifteenth   the next 15th on or after the meeting's date (months
                                       without that day are skipped)
the 5th of next month                  that day of the next month
=====================================  ==================================================

Month names need a day ("June" alone is not a due date), and "may" counts as the month only
written "May" before an ordinal word ("we may first ask" has no date). A bare "the first"
counts only after a preposition (by, on, before, until, due, for) and not before another
noun ("on the second slide" has no date). Numeric forms such as 6/1 are not read: the order
of month and day differs between countries.

Times of day are allowed around the date and ignored ("by 5pm Friday", "Friday morning",
"tomorrow at the latest"). Nothing here needs a library: the forms are few and fixed, and
the rules run in microseconds on a Raspberry Pi.
"""

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_UNITS = """
    first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
    thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth
    """.split()  # noqa: SIM905  (a word list reads better as text)
_ORDINALS: dict[str, int] = {word: n for n, word in enumerate(_UNITS, start=1)}
_ORDINALS["twentieth"] = 20
_ORDINALS["thirtieth"] = 30
for _sep in ("-", " ", ""):
    for _n, _word in enumerate(_UNITS[:9], start=1):
        _ORDINALS[f"twenty{_sep}{_word}"] = 20 + _n
    _ORDINALS[f"thirty{_sep}first"] = 31
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
    "a few": 3,
    "few": 3,
}


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so "twenty-first" wins over "twenty" and "sept" over "sep"."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


_WD = rf"(?P<wd>{_alternation(_WEEKDAYS)})"
_MONTH = rf"(?P<m>{_alternation(_MONTHS)})\.?"
_ORD = rf"(?:(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)|{_alternation(_ORDINALS)})"
_DAY = rf"(?P<d>{_ORD}|(?:[12]\d|3[01]|0?[1-9])(?!\d))"
_DAY_ORD = rf"(?P<d>{_ORD})"
_YEAR = r"(?:,?\s+(?P<y>20\d\d))?"
_NUM = rf"(?P<n>\d{{1,3}}|{_alternation(_NUMBERS)})"
_TIME = r"(?:noon|midday|midnight|\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.|o'clock))"

# Words before the date that belong to the due phrase ("by Friday", "no later than the 5th").
_PREP = (
    r"(?:(?:no|not)\s+later\s+than|at\s+the\s+latest\s+by|latest\s+by|by|on|before|until|"
    r"till|til|due(?:\s+(?:by|on))?|for|at)"
)
_PREFIX = rf"(?:{_PREP}\s+(?:{_TIME}\s+(?:on\s+)?)?|{_TIME}\s+(?:on\s+)?)?"
_SUFFIX = (
    rf"(?:,?\s+(?:in\s+the\s+)?(?:morning|afternoon|evening|night|eod|(?:at\s+|by\s+)?{_TIME})"
    r"|,?\s+at\s+the\s+(?:very\s+)?latest)?"
)


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    resolve: Callable[[re.Match[str], date], date | None]
    needs_preposition: bool = False  # "the first" alone is rarely a date


def _rule(
    core: str,
    resolve: Callable[[re.Match[str], date], date | None],
    needs_preposition: bool = False,
) -> _Rule:
    prefix = rf"(?P<prep>{_PREP})\s+(?:{_TIME}\s+(?:on\s+)?)?" if needs_preposition else _PREFIX
    pattern = re.compile(rf"(?<![\w-]){prefix}(?:{core})(?![\w-])(?!'s\b){_SUFFIX}", re.IGNORECASE)
    return _Rule(pattern, resolve, needs_preposition)


# --- calendar arithmetic -------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _next_month_day(today: date, month: int, day: int) -> date | None:
    """The next month/day on or after ``today`` (Feb 29 waits for a leap year)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _next_day_of_month(today: date, day: int) -> date | None:
    """The next ``day``-th of a month on or after ``today``, skipping months too short."""
    for ahead in range(13):
        first = _add_months(today.replace(day=1), ahead)
        if day <= calendar.monthrange(first.year, first.month)[1]:
            candidate = first.replace(day=day)
            if candidate >= today:
                return candidate
    return None


def _day_number(text: str) -> int:
    word = " ".join(text.lower().split())
    if word in _ORDINALS:
        return _ORDINALS[word]
    return int(re.sub(r"\D", "", word))


def _weekday(match: re.Match[str]) -> int:
    return _WEEKDAYS.index(match["wd"].lower())


def _number(match: re.Match[str]) -> int:
    word = " ".join(match["n"].lower().split())
    return _NUMBERS[word] if word in _NUMBERS else int(word)


# --- resolvers -----------------------------------------------------------------------------


def _iso(match: re.Match[str], today: date) -> date | None:
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _month_day(match: re.Match[str], today: date) -> date | None:
    month = _MONTHS[match["m"].lower().rstrip(".")]
    day = _day_number(match["d"])
    if match["y"]:
        try:
            return date(int(match["y"]), month, day)
        except ValueError:
            return None
    return _next_month_day(today, month, day)


def _end_of_named_month(match: re.Match[str], today: date) -> date:
    month = _MONTHS[match["m"].lower().rstrip(".")]
    year = today.year if month >= today.month else today.year + 1
    return _month_end(year, month)


def _day_of_month(match: re.Match[str], today: date) -> date | None:
    day = _day_number(match["d"])
    if match["next"]:
        try:
            return _add_months(today.replace(day=1), 1).replace(day=day)
        except ValueError:
            return None
    return _next_day_of_month(today, day)


def _weekday_rule(match: re.Match[str], today: date) -> date:
    weekday = _weekday(match)
    relation = " ".join((match["rel"] or "").lower().split())
    if match["after"]:  # "Friday after next": the week after next week
        return _monday(today) + timedelta(days=14 + weekday)
    if relation == "next":
        return _monday(today) + timedelta(days=7 + weekday)
    return _on_or_after(today, weekday)  # bare, "this", "coming": on or after the meeting


def _in_span(match: re.Match[str], today: date) -> date:
    count = _number(match)
    unit = match["u"].lower()
    if unit.startswith(("business", "working")):
        due = today
        while count > 0:
            due += timedelta(days=1)
            count -= due.weekday() < 5
        return due
    if unit.startswith("month"):
        return _add_months(today, count)
    return today + timedelta(days=count * (7 if unit.startswith("week") else 1))


def _days(n: int) -> Callable[[re.Match[str], date], date]:
    return lambda _match, today: today + timedelta(days=n)


def _end_of_this_week(_match: re.Match[str], today: date) -> date:
    return _on_or_after(today, 4)


def _friday_next_week(_match: re.Match[str], today: date) -> date:
    return _monday(today) + timedelta(days=11)


def _monday_next_week(_match: re.Match[str], today: date) -> date:
    return _monday(today) + timedelta(days=7)


def _monday_week_after_next(_match: re.Match[str], today: date) -> date:
    return _monday(today) + timedelta(days=14)


def _end_of_this_month(_match: re.Match[str], today: date) -> date:
    return _month_end(today.year, today.month)


def _end_of_next_month(_match: re.Match[str], today: date) -> date:
    following = _add_months(today.replace(day=1), 1)
    return _month_end(following.year, following.month)


def _first_of_next_month(_match: re.Match[str], today: date) -> date:
    return _add_months(today.replace(day=1), 1)


def _end_of_quarter(_match: re.Match[str], today: date) -> date:
    last_month = (today.month - 1) // 3 * 3 + 3
    return _month_end(today.year, last_month)


def _end_of_year(_match: re.Match[str], today: date) -> date:
    return date(today.year, 12, 31)


_THE = r"(?:the\s+)?"
_THIS = r"(?:the\s+|this\s+)?"
_RULES: tuple[_Rule, ...] = (
    _rule(r"(?P<y>20\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})", _iso),
    # "Friday, June 5th", "June 5", "June the fifth, 2027"
    _rule(
        rf"(?:(?:{_alternation(_WEEKDAYS)}),?\s+)?{_MONTH}\s+(?:the\s+)?{_DAY}{_YEAR}", _month_day
    ),
    # "the first of June", "1 June", "Friday the 5th of June"
    _rule(
        rf"(?:(?:{_alternation(_WEEKDAYS)}),?\s+)?{_THE}{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}",
        _month_day,
    ),
    _rule(rf"{_THE}end\s+of\s+{_MONTH}", _end_of_named_month),
    _rule(
        r"(?:end\s+of\s+(?:the\s+)?(?:business\s+)?day|end\s+of\s+today|eod|cob|"
        r"close\s+of\s+business|today|tonight|this\s+(?:morning|afternoon|evening))",
        _days(0),
    ),
    _rule(r"(?:the\s+)?day\s+after\s+tomorrow", _days(2)),
    _rule(r"tomorrow", _days(1)),
    _rule(
        rf"{_THE}end\s+of\s+(?:the\s+)?(?:next|following)\s+week|"
        r"end\s+of\s+the\s+week\s+after",
        _friday_next_week,
    ),
    _rule(r"(?:the\s+)?week\s+after\s+next", _monday_week_after_next),
    _rule(
        rf"{_THE}end\s+of\s+{_THIS}week|{_THE}week'?s\s+end|(?:later\s+)?this\s+week|"
        r"the\s+weekend",
        _end_of_this_week,
    ),
    # "by next week" is before it begins; "next week" alone is within it, like 下周 (zh).
    _rule(
        r"(?:early\s+|(?:the\s+)?(?:beginning|start)\s+of\s+|(?<=by\s))(?:the\s+)?"
        r"(?:next|following)\s+week",
        _monday_next_week,
    ),
    _rule(r"(?:the\s+)?(?:next|following)\s+week", _friday_next_week),
    _rule(rf"{_THE}end\s+of\s+(?:the\s+)?next\s+month", _end_of_next_month),
    _rule(
        rf"{_THE}end\s+of\s+{_THIS}month|{_THE}month[-\s]end|{_THE}month'?s\s+end|this\s+month",
        _end_of_this_month,
    ),
    _rule(
        r"(?:early\s+|(?:the\s+)?(?:beginning|start)\s+of\s+)?next\s+month",
        _first_of_next_month,
    ),
    _rule(rf"{_THE}end\s+of\s+{_THIS}quarter|{_THE}quarter[-\s]end", _end_of_quarter),
    _rule(rf"{_THE}end\s+of\s+{_THIS}year|{_THE}year[-\s]end", _end_of_year),
    _rule(
        rf"(?:(?P<rel>next|this(?:\s+coming)?|coming)\s+)?{_WD}(?P<after>\s+after\s+next)?",
        _weekday_rule,
    ),
    _rule(
        rf"(?:with)?in\s+(?:the\s+next\s+)?{_NUM}\s+"
        r"(?P<u>(?:business\s+|working\s+)?days?|weeks?|months?)",
        _in_span,
    ),
    _rule(rf"{_NUM}\s+(?P<u>days?|weeks?)\s+from\s+(?:now|today)", _in_span),
    # "give me two weeks": the time asked for, counted like "in two weeks"
    _rule(
        rf"give\s+(?:me|us|him|her|them)\s+(?:another\s+)?{_NUM}\s+"
        r"(?P<u>(?:business\s+|working\s+)?days?|weeks?|months?)",
        _in_span,
    ),
    _rule(r"(?:with)?in\s+a\s+fortnight", _days(14)),
    _rule(rf"the\s+{_DAY_ORD}\s+of\s+(?:(?P<next>next)|the|this)\s+month", _day_of_month),
    _rule(
        rf"the\s+{_DAY_ORD}(?:\s+of\s+(?:(?P<next>next)|the|this)\s+month)?",
        _day_of_month,
        needs_preposition=True,
    ),
)


# Words that may follow "on the second" when it is a date; any other word makes it a noun
# phrase ("on the second slide").
_AFTER_ORDINAL_OK = frozenset(
    """
    of at in and or so then latest please morning afternoon evening too as if but because
    when with latest
    """.split()  # noqa: SIM905  (a word list reads better as text)
)
_NEXT_WORD = re.compile(r"\s*([a-z]+)")


def _plausible(rule: _Rule, match: re.Match[str], text: str) -> bool:
    """Reject matches that are words, not dates ("we may first", "on the second slide")."""
    month = match.groupdict().get("m")
    day = match.groupdict().get("d")
    if month is not None and month.rstrip(".") == "may" and day and not day[0].isdigit():
        return False  # lower-case "may first" is the verb
    if rule.needs_preposition:
        following = _NEXT_WORD.match(text, match.end())
        if following and following.group(1) not in _AFTER_ORDINAL_OK:
            return False
    return True


def _best_match(text: str) -> tuple[_Rule, re.Match[str]] | None:
    """The leftmost date in ``text``; the longest when several start at the same place."""
    best: tuple[_Rule, re.Match[str]] | None = None
    for rule in _RULES:
        for match in rule.pattern.finditer(text):
            if not _plausible(rule, match, text):
                continue
            if best is None or (match.start(), -match.end()) < (
                best[1].start(),
                -best[1].end(),
            ):
                best = (rule, match)
            break
    return best


def find_due_phrase(text: str) -> str | None:
    """The date words of a sentence with their preposition ("by Friday", "by the end of the
    month", "in two weeks"), or None when the sentence gives no date."""
    found = _best_match(text)
    return found[1].group(0).strip(" ,") if found else None


def due_date(text: str | None, meeting_start: datetime) -> date | None:
    """The date ``text`` (a due phrase or a whole sentence) names, counted from the meeting's
    local date; None when it names none. See the module docstring for the conventions."""
    if not text:
        return None
    found = _best_match(text)
    if found is None:
        return None
    rule, match = found
    return rule.resolve(match, meeting_start.date())
