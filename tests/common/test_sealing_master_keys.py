"""Master keys: key files (checked permissions), the environment's base64, plug-ins."""

import base64
import os
from pathlib import Path

import pytest

from common.sealing.envelope import SealError
from common.sealing.master_keys import (
    KeyProvider,
    LocalKeyProvider,
    MasterKeyError,
    create_key_file,
    load_or_create_key_file,
    load_provider,
    parse_key,
    read_key_file,
)


def test_a_created_key_file_is_private_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    key = create_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_key_file(path) == key
    with pytest.raises(MasterKeyError, match="exists already"):
        create_key_file(path)
    assert read_key_file(path) == key  # never overwritten
    assert load_or_create_key_file(path) == key


def test_a_key_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    create_key_file(path)
    path.chmod(0o644)
    with pytest.raises(MasterKeyError, match=r"may be read by others \(mode 0644\).*chmod 600"):
        read_key_file(path)


def test_missing_and_malformed_keys_say_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="python -m hub keys create --out"):
        read_key_file(tmp_path / "absent.key")
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")
    bad.chmod(0o600)
    with pytest.raises(MasterKeyError, match="32 random bytes, raw or in base64"):
        read_key_file(bad)


def test_raw_standard_and_url_safe_base64_keys_are_the_same_key() -> None:
    key = bytes(range(200, 232))
    assert parse_key(key, "raw") == key
    assert parse_key(base64.b64encode(key) + b"\n", "b64") == key
    assert parse_key(base64.urlsafe_b64encode(key), "url-safe") == key
    with pytest.raises(MasterKeyError):
        parse_key(base64.b64encode(key[:16]), "short")


def test_wrapping_binds_the_key_to_its_associated_data() -> None:
    master = LocalKeyProvider(os.urandom(32))
    data_key = os.urandom(32)
    wrapped = master.wrap(data_key, b"meeting A")
    assert master.unwrap(wrapped, b"meeting A") == data_key
    with pytest.raises(SealError, match="does not unwrap"):
        master.unwrap(wrapped, b"meeting B")
    with pytest.raises(SealError, match="does not unwrap"):
        LocalKeyProvider(os.urandom(32)).unwrap(wrapped, b"meeting A")
    # The id names the key without revealing it, and differs between keys.
    assert (
        master.key_id.startswith("local:")
        and master.key_id != LocalKeyProvider(os.urandom(32)).key_id
    )


class FakeKms:
    """What a key-management plug-in provides (here: a local key in disguise)."""

    def __init__(self) -> None:
        self._inner = LocalKeyProvider(bytes(32))

    @property
    def key_id(self) -> str:
        return "kms:test"

    def wrap(self, key: bytes, aad: bytes) -> bytes:
        return self._inner.wrap(key, aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes:
        return self._inner.unwrap(wrapped, aad)


def make_kms() -> FakeKms:
    return FakeKms()


def make_nothing() -> object:
    return object()


def test_a_plug_in_provider_is_loaded_by_import_path() -> None:
    provider = load_provider(f"{__name__}:make_kms")
    assert isinstance(provider, KeyProvider) and provider.key_id == "kms:test"
    with pytest.raises(MasterKeyError, match="import path like"):
        load_provider("no_colon_here")
    with pytest.raises(MasterKeyError, match="cannot be imported"):
        load_provider("no_such_module_anywhere:factory")
    with pytest.raises(MasterKeyError, match="lacks key_id, wrap"):
        load_provider(f"{__name__}:make_nothing")
