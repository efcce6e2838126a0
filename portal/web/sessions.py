"""The session cookie: Starlette's ``SessionMiddleware``, its signature made in C.

Starlette signs the cookie with itsdangerous' defaults: HMAC-SHA1 over a key derived
from the secret (SHA-1 of salt, ``signer`` and the secret) on every signature, through a
Python-level ``sha1`` wrapper that sends ``hmac`` down its pure-Python path. A first
visit to the tracking page sets the cookie (its CSRF token), and that was about 20 µs
of the page's CPU under load (benchmarks/README.md, issue 20 item 1). The signer here
derives the key once per secret and signs with OpenSSL's one-shot HMAC-SHA1: the same
algorithm, key and bytes, so cookies signed either way are read by both.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

import itsdangerous
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm
from starlette.datastructures import Secret
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware
from starlette.types import ASGIApp


class _HmacSha1(HMACAlgorithm):
    """itsdangerous' HMAC-SHA1, in one OpenSSL call."""

    def __init__(self) -> None:
        super().__init__(hashlib.sha1)

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, "sha1")


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
