"""Reading numbers and durations from a span of heard tokens (English words or digits,
Chinese numerals): "fifteen", "half an hour" -> 30, "an hour and a half" -> 90, "十五分钟",
"半小时", "一个半小时" -> 90. Each reader returns ``(value, cost)`` or None: the cost is what
fuzzy corrections of misheard words ("fiften minuts") added."""

import re
from difflib import SequenceMatcher

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_NUMBERS = {w: i for i, w in enumerate(_ONES)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_UNITS = {"minute": 1, "minutes": 1, "min": 1, "mins": 1, "hour": 60, "hours": 60, "hr": 60}
# Said around a duration without changing it ("fifteen more minutes").
_EN_FILLERS = {"more", "extra", "additional", "another", "of", "the", "for", "about"}
_VOCAB = [*_EN_NUMBERS, *_UNITS, "hundred", "half", "quarter", "quarters", "and", "a", "an"]
_VOCAB += sorted(_EN_FILLERS)


def _fix(token: str) -> tuple[str, float]:
    """``token`` or the closest number/duration word, with the cost of the correction."""
    if token in _VOCAB or re.fullmatch(r"\d+(\.\d+)?", token):
        return token, 0.0
    best, ratio = token, 0.0
    for word in _VOCAB:
        r = SequenceMatcher(None, token, word).ratio()
        if r > ratio:
            best, ratio = word, r
    return (best, (1 - ratio) * 0.5) if ratio >= 0.8 and len(token) > 2 else (token, 1.0)


def _en_number(words: list[str]) -> float | None:
    """ "fifteen", "a hundred and twenty", "one and a half", "15", "1.5"."""
    if not words:
        return None
    if words[-3:] == ["and", "a", "half"]:
        whole = _en_number(words[:-3])
        return None if whole is None else whole + 0.5
    if len(words) == 1 and re.fullmatch(r"\d+(\.\d+)?", words[0]):
        return float(words[0])
    total, current = 0, 0
    for i, word in enumerate(words):
        if word in ("a", "an", "one") and i == 0 and len(words) > 1 and words[1] == "hundred":
            current = 1
        elif word == "hundred" and current:
            total, current = total + current * 100, 0
        elif word == "and" and total and i + 1 < len(words):
            continue
        elif word in _EN_NUMBERS and (current == 0 or (current % 10 == 0 and current >= 20)):
            if current and _EN_NUMBERS[word] >= 10:
                return None
            current += _EN_NUMBERS[word]
        else:
            return None
    return total + current


def number_en(tokens: list[str]) -> tuple[int, float] | None:
    """A whole number said in English words or digits."""
    fixed = [_fix(t) for t in tokens]
    value = _en_number([w for w, _ in fixed])
    if value is None or value != int(value):
        return None
    return int(value), sum(c for _, c in fixed)


def duration_en(tokens: list[str]) -> tuple[int, float] | None:
    """Minutes in an English duration: "fifteen minutes", "an hour and a half", "90 min"."""
    fixed = [_fix(t) for t in tokens]
    cost = sum(c for _, c in fixed)
    words = [w for w, _ in fixed if w not in _EN_FILLERS]
    text = " ".join(words)
    special = {
        "half an hour": 30, "half a hour": 30, "half hour": 30, "a half hour": 30,
        "quarter an hour": 15, "a quarter an hour": 15, "quarter hour": 15,
        "a quarter hour": 15, "three quarters an hour": 45,
    }  # fmt: skip
    if text in special:
        return special[text], cost
    for suffix, extra in (("and a half", 30), ("and a quarter", 15)):
        if text.endswith(" " + suffix) and words[-4:-3] and words[-4] in ("hour", "hours"):
            base = duration_en(words[:-3])
            return None if base is None else (base[0] + extra, cost)
    # "<n> hours [and] <m> minutes", "<n> hours", "<n> minutes"
    unit_at = [i for i, w in enumerate(words) if w in _UNITS]
    if not unit_at or unit_at[0] == 0:
        return None
    first = unit_at[0]
    n = _en_number(words[:first]) if words[:first] not in (["a"], ["an"]) else 1.0
    if n is None:
        return None
    minutes = n * _UNITS[words[first]]
    rest = words[first + 1 :]
    if rest and rest[0] == "and":
        rest = rest[1:]
    if rest:
        if _UNITS[words[first]] != 60 or rest[-1] not in ("minute", "minutes", "min", "mins"):
            return None
        m = _en_number(rest[:-1])
        if m is None:
            return None
        minutes += m
    return (int(minutes), cost) if minutes == int(minutes) and minutes > 0 else None


_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}


def _zh_number(text: str) -> int | None:
    """ "十五", "三十", "一百二十", "两", "15"."""
    if text.isdigit():
        return int(text)
    if not text:
        return None
    total, current = 0, 0
    for char in text:
        if char in _ZH_DIGITS:
            current = current * 10 + _ZH_DIGITS[char] if current else _ZH_DIGITS[char]
        elif char in "十百":
            unit = 10 if char == "十" else 100
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def number_zh(tokens: list[str]) -> tuple[int, float] | None:
    """A whole number in Chinese numerals or digits."""
    value = _zh_number("".join(tokens))
    return None if value is None else (value, 0.0)


_ZH_MINUTE = r"(?:分钟|分)"
_ZH_HOUR = r"(?:个)?(?:小时|钟头|钟)"
_ZH_DURATION = re.compile(
    rf"^(?:(?P<h>[\d零〇一二两三四五六七八九十百]+){_ZH_HOUR}(?P<hhalf>半)?"
    rf"(?:(?P<hm>[\d零一二两三四五六七八九十]+){_ZH_MINUTE})?"
    rf"|(?P<h2>[\d零一二两三四五六七八九十]+)个半{_ZH_HOUR}"
    rf"|(?P<half>半)个?{_ZH_HOUR}"
    rf"|(?P<quarter>[一两三])刻钟"
    rf"|(?P<m>[\d零〇一二两三四五六七八九十百]+){_ZH_MINUTE})$"
)


def duration_zh(tokens: list[str]) -> tuple[int, float] | None:
    """Minutes in a Chinese duration: "十五分钟", "半小时", "一个半小时", "两个小时"."""
    match = _ZH_DURATION.match("".join(tokens))
    if not match:
        return None
    groups = match.groupdict()
    if groups["half"]:
        return 30, 0.0
    if groups["quarter"]:
        return 15 * (_zh_number(groups["quarter"]) or 0), 0.0
    if groups["h2"]:
        hours = _zh_number(groups["h2"])
        return None if hours is None else (hours * 60 + 30, 0.0)
    if groups["h"]:
        hours = _zh_number(groups["h"])
        extra = 30 if groups["hhalf"] else _zh_number(groups["hm"] or "0")
        return None if hours is None or extra is None else (hours * 60 + extra, 0.0)
    minutes = _zh_number(groups["m"])
    return None if not minutes else (minutes, 0.0)
