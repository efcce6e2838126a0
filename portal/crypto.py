"""Secrets at rest (carrier credentials, webhook secrets), encrypted with keys from settings.

Keys are derived from ``PORTAL_SECRET_KEY`` with HKDF; ``PORTAL_OLD_SECRET_KEYS`` keep
older keys readable during a rotation, and :func:`rotate` re-encrypts with the newest.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.settings import Settings

_INFO = b"doorstep secrets at rest v1"


class DecryptionError(ValueError):
    """Stored ciphertext that no configured key opens (wrong or rotated-out key)."""


@lru_cache(maxsize=32)
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _keys(settings: Settings) -> MultiFernet:
    return MultiFernet([_fernet(k) for k in (settings.secret_key, *settings.old_secret_keys)])


def encrypt_json(settings: Settings, value: Any) -> str:
    """Encrypt a JSON-serialisable value with the current key."""
    return _keys(settings).encrypt(json.dumps(value).encode("utf-8")).decode("ascii")


def decrypt_json(settings: Settings, token: str) -> Any:
    """Decrypt with the current or an old key; :class:`DecryptionError` if none fits."""
    try:
        return json.loads(_keys(settings).decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise DecryptionError("stored secret cannot be decrypted with the configured keys") from exc


def rotate(settings: Settings, token: str) -> str:
    """Re-encrypt ``token`` with the current key (after ``PORTAL_SECRET_KEY`` changed)."""
    try:
        return _keys(settings).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("stored secret cannot be decrypted with the configured keys") from exc
