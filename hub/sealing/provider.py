"""The hub's master key, from its settings: a key file, an environment variable, or a
key-management plug-in.

The composition root installs it (:func:`install`, at start-up); code that runs without one
(command-line tools, tests, benchmarks) gets it from the environment the first time it is
needed. Without any, :class:`~common.sealing.master_keys.MasterKeyError` says how to make
one: the hub does not store meeting content in the clear.
"""

import base64
import os
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

from common.sealing.master_keys import (
    KeyProvider,
    LocalKeyProvider,
    MasterKeyError,
    load_provider,
    parse_key,
    read_key_file,
)

ENV_FILE = "QUORUM_MASTER_KEY_FILE"
ENV_KEY = "QUORUM_MASTER_KEY"
ENV_PROVIDER = "QUORUM_KEY_PROVIDER"

MISSING = (
    "no master key for encryption at rest: create one with "
    "`python -m hub keys create --out /etc/quorum/master.key` and set "
    f"{ENV_FILE}=/etc/quorum/master.key (or {ENV_KEY} to a base64 key, or {ENV_PROVIDER} to "
    "a key-management plug-in); see docs/security.md, 'Encryption at rest'"
)


class KeySettings(Protocol):
    """What :func:`provider_from` reads (``hub.settings.Settings`` has these)."""

    master_key_file: Path | None
    master_key: SecretStr | None
    key_provider: str


def provider_from(settings: KeySettings) -> KeyProvider:
    """The configured provider; :class:`MasterKeyError` when there is none or it is bad."""
    chosen = [
        name
        for name, value in (
            (ENV_PROVIDER, settings.key_provider),
            (ENV_FILE, settings.master_key_file),
            (ENV_KEY, settings.master_key),
        )
        if value
    ]
    if len(chosen) > 1:
        raise MasterKeyError(f"set only one of {', '.join(chosen)}: they name different keys")
    if settings.key_provider:
        return load_provider(settings.key_provider)
    if settings.master_key_file is not None:
        path = settings.master_key_file
        return LocalKeyProvider(read_key_file(path), f"the master key in {path}")
    if settings.master_key:
        text = settings.master_key.get_secret_value()
        key = parse_key(text.encode("ascii", "replace"), ENV_KEY)
        return LocalKeyProvider(key, f"the master key in {ENV_KEY}")
    raise MasterKeyError(MISSING)


class _EnvironmentKeys:
    """The three settings read straight from the environment (no ``.env`` file)."""

    def __init__(self) -> None:
        file = os.environ.get(ENV_FILE, "")
        self.master_key_file = Path(file) if file else None
        key = os.environ.get(ENV_KEY)
        self.master_key = SecretStr(key) if key else None
        self.key_provider = os.environ.get(ENV_PROVIDER, "")


_installed: KeyProvider | None = None


def install(provider: KeyProvider | None) -> None:
    """The provider every database session of this process uses (None: forget it)."""
    global _installed
    _installed = provider


def current() -> KeyProvider:
    """The installed provider, else the one the environment names."""
    global _installed
    if _installed is None:
        _installed = provider_from(_EnvironmentKeys())
    return _installed


def encode_key(key: bytes) -> str:
    """A key as ``QUORUM_MASTER_KEY`` takes it."""
    return base64.b64encode(key).decode("ascii")
