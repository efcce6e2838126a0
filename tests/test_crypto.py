"""Secrets at rest are unreadable without the key and survive a key rotation."""

from __future__ import annotations

import pytest

from portal.crypto import DecryptionError, decrypt_json, encrypt_json, rotate
from portal.settings import Settings


def _settings(key: str, *old: str) -> Settings:
    return Settings(secret_key=key, old_secret_keys=old)


def test_it_round_trips_a_value() -> None:
    settings = _settings("a" * 40)
    token = encrypt_json(settings, {"client_secret": "s3cr3t-value"})
    assert "s3cr3t-value" not in token
    assert decrypt_json(settings, token) == {"client_secret": "s3cr3t-value"}


def test_another_key_cannot_read_it() -> None:
    token = encrypt_json(_settings("a" * 40), {"k": "v"})
    with pytest.raises(DecryptionError):
        decrypt_json(_settings("b" * 40), token)


def test_an_old_key_still_reads_and_rotation_moves_to_the_new_key() -> None:
    old, new = _settings("a" * 40), _settings("b" * 40, "a" * 40)
    token = encrypt_json(old, {"k": "v"})
    assert decrypt_json(new, token) == {"k": "v"}
    rotated = rotate(new, token)
    assert decrypt_json(_settings("b" * 40), rotated) == {"k": "v"}


def test_garbage_is_refused_clearly() -> None:
    with pytest.raises(DecryptionError):
        decrypt_json(_settings("a" * 40), "not-a-token")
