"""The secret keys that sign tokens, and serializers built on them.

Every signed value in the portal (tracking and preferences links, returns links, drop-off
codes, the returns draft) is signed with ``PORTAL_SECRET_KEY``; values signed with a key in
``PORTAL_OLD_SECRET_KEYS`` still verify while keys rotate. The list is built here once so that
a rotation means the same thing for every token.
"""

from __future__ import annotations

import hmac
import zlib
from functools import lru_cache
from typing import Any

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.signer import HMACAlgorithm

from portal.settings import Settings


def signing_keys(settings: Settings) -> list[str]:
    """Verification keys oldest first; itsdangerous signs with the last one (the current key)."""
    return [*reversed(tuple(getattr(settings, "old_secret_keys", ()) or ())), settings.secret_key]


def serializer(settings: Settings, salt: str) -> URLSafeSerializer:
    """For tokens that never expire (unsubscribe, follow and drop-off links)."""
    return URLSafeSerializer(signing_keys(settings), salt=salt)


class IdTokens:
    """``URLSafeSerializer(keys, salt=salt).dumps(an integer id)``, the same string, with
    the signing key derived and the HMAC keyed once rather than per token (the dispatcher
    signs an unsubscribe token for every e-mail; through the serializer that was a tenth
    of an e-mail's CPU). Tokens are read back with :func:`serializer` as before.

    The payload is written as ``URLSafeSerializerMixin.dump_payload`` writes it: a JSON
    integer is its decimal digits, zlib-compressed (and marked with a leading ``.``)
    when that is shorter; tests/core/test_signing.py checks this against itsdangerous."""

    def __init__(self, keys: tuple[str, ...], salt: str) -> None:
        signer = URLSafeSerializer(list(keys), salt=salt).make_signer()
        if not isinstance(signer.algorithm, HMACAlgorithm):  # pragma: no cover - defaults
            raise TypeError("IdTokens writes HMAC signatures only")
        self._mac = hmac.new(signer.derive_key(), digestmod=signer.algorithm.digest_method)
        self._sep: bytes = signer.sep

    def dumps(self, value: int) -> str:
        digits = str(int(value)).encode("ascii")
        compressed = zlib.compress(digits)
        if len(compressed) < len(digits) - 1:
            payload = b"." + base64_encode(compressed)
        else:
            payload = base64_encode(digits)
        mac = self._mac.copy()
        mac.update(payload)
        return (payload + self._sep + base64_encode(mac.digest())).decode("ascii")


@lru_cache(maxsize=32)
def _id_tokens(keys: tuple[str, ...], salt: str) -> IdTokens:
    return IdTokens(keys, salt)


def id_tokens(settings: Settings, salt: str) -> IdTokens:
    """:class:`IdTokens` for the current keys and ``salt``, made once per key list."""
    return _id_tokens(tuple(signing_keys(settings)), salt)


def timed_serializer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    """For tokens read with a ``max_age`` (tracking and start links, drafts)."""
    return URLSafeTimedSerializer(signing_keys(settings), salt=salt)


def id_pair(value: Any) -> tuple[int, Any] | None:
    """``[merchant id, something]`` as signed by the links here, or None when it is not one."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
    ):
        return value[0], value[1]
    return None


def is_id(value: Any) -> bool:
    """An integer id (``True`` is an int to Python, not an id to us)."""
    return isinstance(value, int) and not isinstance(value, bool)
