"""Passwords are argon2id hashes; API keys are shown once and stored as hashes."""

from __future__ import annotations

import pytest

from portal.security import (
    WeakPassword,
    api_key_matches,
    hash_password,
    new_api_key,
    split_api_key,
    verify_password,
)


def test_a_password_hash_is_argon2id_and_verifies() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "Correct horse battery staple")


def test_a_short_password_is_refused() -> None:
    with pytest.raises(WeakPassword):
        hash_password("short")


def test_a_broken_hash_never_verifies() -> None:
    assert not verify_password("not-a-hash", "anything at all")


def test_an_api_key_is_found_by_prefix_and_checked_by_hash() -> None:
    key = new_api_key()
    assert key.plaintext.startswith("dsk_")
    assert key.key_hash not in key.plaintext
    assert split_api_key(key.plaintext) == key.prefix
    assert api_key_matches(key.key_hash, key.plaintext)
    assert not api_key_matches(key.key_hash, key.plaintext + "x")


@pytest.mark.parametrize("presented", ["", "Bearer x", "dsk_", "dsk_short_x", "dsk_abcdefabcdef"])
def test_a_malformed_api_key_has_no_prefix(presented: str) -> None:
    assert split_api_key(presented) is None
