"""Tokenising what was heard and what templates say: English by words, Chinese by characters.

Both sides of a match go through the same functions, so "What's next?" and the template
"what's next" give the same tokens. Traditional Chinese characters are folded to simplified
ones with a small table (enough for the shipped grammars; OpenCC is not a dependency).
"""

import re
from dataclasses import dataclass

# Traditional -> simplified for the characters our grammars and commands use.
_TRADITIONAL = (
    "開關燈廳臥廚檯書議會記錄釋預訂這個們來錄議確決項辦給發幻燈片週後時鐘間長時點還"
    "樓層廁臺麼說請讓簽延"
)
_SIMPLIFIED = (
    "开关灯厅卧厨台书议会记录释预订这个们来录议确决项办给发幻灯片周后时钟间长时点还"
    "楼层厕台么说请让签延"
)
_FOLD = str.maketrans(_TRADITIONAL + "０１２３４５６７８９", _SIMPLIFIED + "0123456789")
assert len(_TRADITIONAL) == len(_SIMPLIFIED)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A number (with a decimal point), a word with inner apostrophes, or one CJK character.
TOKEN = re.compile(rf"\d+(?:\.\d+)?|[^\W\d_{_CJK}]+(?:'[^\W\d_{_CJK}]+)*|[{_CJK}]")
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


@dataclass(frozen=True)
class Token:
    norm: str  # what matching compares: lower case, simplified characters
    raw: str  # as heard, for free-text slots


def is_cjk(language: str) -> bool:
    """Languages written without spaces, tokenised by character."""
    return language.split("-")[0].lower() in {"zh", "ja", "yue"}


def tokenize(text: str) -> list[Token]:
    """Words, numbers and single CJK characters of ``text``; punctuation is dropped."""
    text = text.translate(APOSTROPHES)
    return [Token(m.group(0).lower().translate(_FOLD), m.group(0)) for m in TOKEN.finditer(text)]


def norms(text: str) -> list[str]:
    """Just the normalised tokens of ``text``."""
    return [t.norm for t in tokenize(text)]


def join(tokens: list[Token], language: str) -> str:
    """Tokens back into text: with spaces between words, none between CJK characters."""
    out = ""
    for token in tokens:
        if out and not (is_cjk(language) and _is_han(token.raw) and _is_han(out[-1])):
            out += " "
        out += token.raw
    return out


def _is_han(text: str) -> bool:
    return bool(re.match(rf"[{_CJK}]", text))
