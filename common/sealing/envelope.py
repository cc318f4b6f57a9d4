"""AES-256-GCM envelopes: one sealed record = version byte, 12-byte random nonce, ciphertext
and its 16-byte tag.

``associated_data`` is authenticated but not stored: the reader must give the same bytes
(the meeting, the department, the field), so a ciphertext copied to another meeting, another
department or another column does not open. A fresh random nonce per record: the same key
seals at most a few million records in its life, far below the 2**32 that random 96-bit
nonces allow.
"""

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: The first byte of every envelope; a future format gets a new one.
VERSION = 1
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES


class SealError(ValueError):
    """An envelope that does not open: tampered, truncated, another key or other associated
    data. The message says which check failed, never what the record held."""


def new_key() -> bytes:
    """A fresh random AES-256 key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def associated_data(*parts: str) -> bytes:
    """Unambiguous bytes for a list of names (a JSON array: no separator can be forged)."""
    return json.dumps(list(parts), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    _check_key(key)
    nonce = os.urandom(NONCE_BYTES)
    return bytes([VERSION]) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, envelope: bytes, aad: bytes) -> bytes:
    """The plaintext, or :class:`SealError`."""
    _check_key(key)
    if len(envelope) < OVERHEAD:
        raise SealError(f"a sealed record is at least {OVERHEAD} bytes, this one {len(envelope)}")
    if envelope[0] != VERSION:
        raise SealError(f"unknown envelope version {envelope[0]} (this program knows {VERSION})")
    nonce, body = envelope[1 : 1 + NONCE_BYTES], envelope[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise SealError(
            "the record does not open: it was changed, or it belongs to another key, "
            "meeting, department or field"
        ) from None


def is_envelope(value: bytes) -> bool:
    """Whether ``value`` looks like an envelope (a plaintext JSON message starts with ``{``)."""
    return len(value) >= OVERHEAD and value[0] == VERSION


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise SealError(f"an AES-256 key is {KEY_BYTES} bytes, got {len(key)}")
