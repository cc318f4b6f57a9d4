"""AES-256-GCM envelopes: they open with the same key and associated data, and only then."""

import pytest

from common.sealing.envelope import (
    OVERHEAD,
    VERSION,
    SealError,
    associated_data,
    new_key,
    open_sealed,
    seal,
)

AAD = associated_data("quorum-field-v1", "20260106T115000-5be2a7f1", "exec", "transcript.text")


def test_a_sealed_record_opens_and_hides_its_plaintext() -> None:
    key = new_key()
    envelope = seal(key, b"the quokka codename is zanzibar", AAD)
    assert envelope[0] == VERSION and len(envelope) == OVERHEAD + 31
    assert b"quokka" not in envelope
    assert open_sealed(key, envelope, AAD) == b"the quokka codename is zanzibar"


def test_every_record_gets_a_fresh_nonce() -> None:
    key = new_key()
    first, second = seal(key, b"same words", AAD), seal(key, b"same words", AAD)
    assert first[1:13] != second[1:13] and first != second


def test_a_changed_byte_anywhere_fails_to_open() -> None:
    key = new_key()
    envelope = seal(key, b"decided: ship on Thursday", AAD)
    for index in range(1, len(envelope)):  # the version byte has its own check below
        tampered = bytearray(envelope)
        tampered[index] ^= 0x01
        with pytest.raises(SealError, match="does not open"):
            open_sealed(key, bytes(tampered), AAD)


@pytest.mark.parametrize(
    "other",
    [
        associated_data("quorum-field-v1", "20260106T120000-00000000", "exec", "transcript.text"),
        associated_data(
            "quorum-field-v1", "20260106T115000-5be2a7f1", "engineering", "transcript.text"
        ),
        associated_data("quorum-field-v1", "20260106T115000-5be2a7f1", "exec", "action_items.task"),
    ],
    ids=["another meeting", "another department", "another field"],
)
def test_other_associated_data_fails_to_open(other: bytes) -> None:
    key = new_key()
    with pytest.raises(SealError, match="another key, meeting, department or field"):
        open_sealed(key, seal(key, b"text", AAD), other)


def test_another_key_fails_and_bad_envelopes_say_why() -> None:
    envelope = seal(new_key(), b"text", AAD)
    with pytest.raises(SealError, match="does not open"):
        open_sealed(new_key(), envelope, AAD)
    with pytest.raises(SealError, match="at least"):
        open_sealed(new_key(), envelope[:10], AAD)
    with pytest.raises(SealError, match="unknown envelope version 9"):
        open_sealed(new_key(), bytes([9]) + envelope[1:], AAD)
    with pytest.raises(SealError, match="32 bytes"):
        seal(b"short", b"text", AAD)


def test_associated_data_cannot_be_forged_by_moving_separators() -> None:
    assert associated_data("a,b", "c") != associated_data("a", "b,c")
    assert associated_data("a", "bc") != associated_data("ab", "c")
