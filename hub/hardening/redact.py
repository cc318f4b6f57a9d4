"""Secrets never reach a log line: the second line of defence behind SecretStr settings.

Every log record the process makes is redacted when it is created (a wrapped log-record
factory, so it works for every logger and every handler, uvicorn's access log included,
whenever they were configured): its message (with its arguments put in), its exception
text and its stack are searched for

- the values of known secrets: settings fields whose name says they hold one (passwords,
  tokens, keys, secrets), the password in the database URL, and the values of ``QUORUM_*``
  environment variables named that way (the master key);
- things that look like credentials whatever their value: ``Bearer <token>``, a password
  in a URL (``user:password@``), ``token=``/``password=``/``secret=`` parameters, and the
  token in an ICS feed path (``/calendar/<token>.ics``) or a release download
  (``/releases/download/<token>``).

Each is replaced by ``[redacted]``. :func:`protect` is idempotent and may be called again
with more settings (the CLI, then the app).
"""

import logging
import os
import re
import threading
from collections.abc import Iterable
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hub.settings import SECRET_FIELD, Settings

MARK = "[redacted]"
#: A settings field or environment variable holding a secret (not a path to one).
SECRET_NAME = re.compile(SECRET_FIELD, re.IGNORECASE)
#: Shorter values are not searched for (they would match ordinary words).
MIN_SECRET_LENGTH = 8
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{MARK}"),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@"), rf"\1{MARK}@"),
    (
        re.compile(r"(?i)\b((?:access_|refresh_)?(?:token|password|secret)=)[^&\s\"']+"),
        rf"\1{MARK}",
    ),
    (re.compile(r"(/calendar/)[^/\s?\"']+(\.ics)"), rf"\1{MARK}\2"),
    # A release download's token (hub/releases/downloads.py), also in terminals' URLs.
    (re.compile(r"(/releases/download/)[^/\s?\"']+"), rf"\1{MARK}"),
)


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            self._secrets |= {v for v in values if v and len(v) >= MIN_SECRET_LENGTH}

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MARK)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFilter(logging.Filter):
    """Redacts a record in place; always lets it through."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        # Message and arguments apart, not the formatted line: formatters such as uvicorn's
        # access log read ``record.args``.
        if isinstance(record.msg, str):
            record.msg = self.redactor.redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True

    def _arg(self, value: Any) -> Any:
        """The argument, or its text redacted when that text holds a secret."""
        text = value if isinstance(value, str) else _text(value)
        if text is None:
            return value
        cleaned = self.redactor.redact(text)
        return value if cleaned == text and not isinstance(value, str) else cleaned


def _text(value: Any) -> str | None:
    if isinstance(value, int | float | bool) or value is None:
        return None  # numbers cannot hold a secret, and %d needs them as they are
    try:
        return str(value)
    except Exception:  # an object whose str() fails is logged as logging would
        return None


REDACTOR = Redactor()
_FILTER = RedactingFilter(REDACTOR)
_installed = False
_install_lock = threading.Lock()


def secrets_of(settings: Settings | None) -> list[str]:
    """The secret values a process knows: from ``settings`` and the environment."""
    found = [
        value
        for name, value in os.environ.items()
        if name.startswith("QUORUM_") and SECRET_NAME.search(name)
    ]
    if settings is None:
        return found
    for name in type(settings).model_fields:
        if SECRET_NAME.search(name):
            found.extend(_plain(getattr(settings, name)))
    try:
        password = make_url(settings.database_url).password
    except ArgumentError:
        password = None
    if password:
        found.append(str(password))
    return found


def _plain(value: Any) -> list[str]:
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    return [value] if isinstance(value, str) else []


def protect(settings: Settings | None = None) -> None:
    """Redact every log record of this process from now on (and know these secrets)."""
    global _installed
    REDACTOR.add(secrets_of(settings))
    with _install_lock:
        if _installed:
            return
        make_record = logging.getLogRecordFactory()

        def redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            _FILTER.filter(record)
            return record

        logging.setLogRecordFactory(redacted_record)
        _installed = True
