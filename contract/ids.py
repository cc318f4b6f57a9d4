"""Identifiers that appear inside MQTT topics.

They must never contain MQTT wildcards (``+``, ``#``), a level separator
(``/``), NUL or white space, or a topic filter could match more than meant.
"""

import re
from typing import Annotated

from pydantic import StringConstraints

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_ID_RE = re.compile(ID_PATTERN)

#: A lowercase slug usable as one MQTT topic level: ``hq-f1-aurora``.
Slug = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


def is_valid_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


def require_id(value: str, what: str) -> str:
    if not is_valid_id(value):
        raise ValueError(
            f"{what} {value!r} is not a valid id: use 1-63 lowercase letters, digits, '-' or '_'"
        )
    return value
