"""The session cookie: Starlette's ``SessionMiddleware``, its signature made in C.

Starlette signs the cookie with itsdangerous' defaults: HMAC-SHA1 over a key derived
from the secret (SHA-1 of salt, ``signer`` and the secret) on every signature, through a
Python-level ``sha1`` wrapper that sends ``hmac`` down its pure-Python path. A first
visit to the tracking page sets the cookie (its CSRF token), and that was about 20 µs
of the page's CPU under load (benchmarks/README.md, issue 20 item 1). The signer here
derives the key once per secret and keeps that key's two padded SHA-1 states, copied
for each signature: the same HMAC-SHA1, key and bytes, so cookies signed either way are
read by both.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import itsdangerous
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm
from starlette.datastructures import Secret
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware
from starlette.types import ASGIApp

#: HMAC's pads (RFC 2104), each key byte XOR-ed with 0x36 (inner) or 0x5C (outer).
_INNER = bytes(b ^ 0x36 for b in range(256))
_OUTER = bytes(b ^ 0x5C for b in range(256))
_BLOCK = hashlib.sha1().block_size


class _HmacSha1(HMACAlgorithm):
    """itsdangerous' HMAC-SHA1 from the key's padded hash states, made once per key
    (the derived keys: one per secret) and copied per signature."""

    def __init__(self) -> None:
        super().__init__(hashlib.sha1)
        self._keyed: dict[bytes, tuple[Any, Any]] = {}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        keyed = self._keyed.get(key)
        if keyed is None:
            padded = (hashlib.sha1(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
            keyed = hashlib.sha1(padded.translate(_INNER)), hashlib.sha1(padded.translate(_OUTER))
            self._keyed[key] = keyed
        inner, outer = keyed[0].copy(), keyed[1].copy()
        inner.update(value)
        outer.update(inner.digest())
        return outer.digest()


class SessionSigner(itsdangerous.TimestampSigner):
    """``TimestampSigner(secret)`` as Starlette builds it, its derived keys remembered."""

    def __init__(self, secret_key: str) -> None:
        super().__init__(secret_key, digest_method=hashlib.sha1, algorithm=_HmacSha1())
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(key)
        return derived


class SessionMiddleware(StarletteSessionMiddleware):
    """Starlette's session middleware with :class:`SessionSigner`."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | Secret,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
    ) -> None:
        super().__init__(
            app, secret_key, session_cookie, max_age, path, same_site, https_only, domain
        )
        self.signer = SessionSigner(str(secret_key))
