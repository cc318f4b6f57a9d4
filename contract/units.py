"""Small coercing validators for values people write in YAML (ESPHome style).

``"90s"``, ``"5m"``, ``"1h30m"``, ``"250ms"`` or a plain number of seconds
all become a float number of seconds.
"""

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like '90s', '5m', '1h30m'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if not text:
            raise ValueError("empty duration")
        pos, seconds = 0, 0.0
        for match in _DURATION_RE.finditer(text):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            pos = match.end()
        if pos != len(text):
            try:
                seconds = float(text)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a duration: "
                    "write e.g. '90s', '5m', '1h30m' or a number of seconds"
                ) from None
    else:
        raise ValueError("a duration is a number of seconds or text like '90s', '5m', '1h30m'")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


#: Seconds, written as ``"5m"`` or ``300`` in YAML.
Duration = Annotated[float, BeforeValidator(parse_duration)]
