"""Master keys: they wrap (encrypt) the data keys, never data itself.

A :class:`KeyProvider` wraps and unwraps a data key, with associated data that names what
the key is for. :class:`LocalKeyProvider` does it with a 32-byte key held in memory, read
from a key file or an environment variable; a key management service (KMS) or a hardware
module plugs in as another provider (``load_provider``: an import path ``module:factory``).

A key file holds 32 random bytes, raw or base64 (one line), and must be readable by its
owner only (mode 0600 or stricter): a key others can read protects nothing.
"""

import base64
import binascii
import hashlib
import hmac
import importlib
import os
import stat
from pathlib import Path
from typing import Protocol, runtime_checkable

from common.sealing.envelope import KEY_BYTES, SealError, new_key, open_sealed, seal


class MasterKeyError(RuntimeError):
    """A master key that cannot be used; the message says how to fix it."""


@runtime_checkable
class KeyProvider(Protocol):
    """Wraps data keys. ``key_id`` names the master key: it is stored with every wrapped
    key, so a wrong or rotated master key is named in the error, not just "does not open"."""

    @property
    def key_id(self) -> str: ...

    def wrap(self, key: bytes, aad: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes: ...


class LocalKeyProvider:
    """AES-256-GCM key wrapping with a master key held by this process."""

    def __init__(self, master: bytes, source: str = "a master key") -> None:
        if len(master) != KEY_BYTES:
            raise MasterKeyError(f"{source} must be {KEY_BYTES} bytes, it is {len(master)}")
        self._master = master
        self.source = source
        # A fingerprint, not the key: an HMAC cannot be turned back into the key.
        digest = hmac.new(master, b"quorum master key id", hashlib.sha256).hexdigest()
        self._key_id = f"local:{digest[:16]}"

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, key: bytes, aad: bytes) -> bytes:
        return seal(self._master, key, aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes:
        try:
            return open_sealed(self._master, wrapped, aad)
        except SealError as error:
            raise SealError(f"a data key does not unwrap with {self.source}: {error}") from None


def parse_key(text: bytes, source: str) -> bytes:
    """32 raw bytes, or their base64 (standard or URL-safe, surrounding whitespace ignored)."""
    if len(text) == KEY_BYTES:
        return text
    # URL-safe base64 too: its two extra characters become the standard ones.
    stripped = text.strip().replace(b"-", b"+").replace(b"_", b"/")
    try:
        key = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"{source} is not a key: it must hold {KEY_BYTES} random bytes, raw or in base64 "
            "(make one with `python -m hub keys create --out FILE`)"
        )
    return key


def read_key_file(path: Path) -> bytes:
    """The key in ``path``; refuses a file that others may read or that is missing."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise MasterKeyError(
            f"key file {path} does not exist: create it with "
            f"`python -m hub keys create --out {path}` (or restore it from your backup)"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise MasterKeyError(f"key file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise MasterKeyError(
            f"key file {path} may be read by others (mode {stat.S_IMODE(info.st_mode):04o}): "
            f"`chmod 600 {path}`"
        )
    try:
        return parse_key(path.read_bytes(), f"key file {path}")
    except PermissionError:
        raise MasterKeyError(f"key file {path} cannot be read by this user") from None


def create_key_file(path: Path) -> bytes:
    """Write a new random key (base64, one line) to ``path``, mode 0600; never overwrites."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = new_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise MasterKeyError(
            f"{path} exists already: a key is never overwritten (data sealed with it would be "
            "lost); choose another path"
        ) from None
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, base64.b64encode(key) + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return key


def load_or_create_key_file(path: Path) -> bytes:
    """The key in ``path``, made first (mode 0600) if there is no file there yet."""
    if not path.exists():
        try:
            return create_key_file(path)
        except MasterKeyError:  # another process made it in between: use theirs
            pass
    return read_key_file(path)


def load_provider(import_path: str) -> KeyProvider:
    """A provider from a plug-in: ``package.module:factory``, a callable without arguments
    (it reads its own configuration, e.g. the KMS key's name, from the environment)."""
    module_name, _, attribute = import_path.partition(":")
    if not module_name or not attribute:
        raise MasterKeyError(
            f"key provider {import_path!r} must be an import path like 'mypackage.kms:provider'"
        )
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise MasterKeyError(f"key provider {import_path!r} cannot be imported: {error}") from None
    provider = factory()
    if not isinstance(provider, KeyProvider):
        raise MasterKeyError(
            f"key provider {import_path!r} gave {type(provider).__name__}, which lacks "
            "key_id, wrap(key, aad) and unwrap(wrapped, aad)"
        )
    return provider
