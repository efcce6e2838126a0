"""Webhook authentication shared by the adapters that accept pushed updates.

Header look-ups here are case-insensitive and work for plain dicts as well as
``httpx.Headers``/Starlette headers; comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping


def find_header(headers: Mapping[str, str], name: str) -> str | None:
    """The first header called ``name`` (any case), or None."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def hmac_sha256(secret: str | bytes, body: bytes) -> bytes:
    """The raw HMAC-SHA256 digest of ``body``; a text secret is UTF-8 encoded."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, body, hashlib.sha256).digest()


def base64_hmac_sha256(secret: str | bytes, body: bytes) -> str:
    """Base64(HMAC-SHA256(secret, body)), as FedEx and AfterShip sign pushes."""
    return base64.b64encode(hmac_sha256(secret, body)).decode("ascii")


def hex_hmac_sha256(secret: str | bytes, body: bytes) -> str:
    """Lower-case hex HMAC-SHA256(secret, body), as EasyPost and the sandbox sign pushes."""
    return hmac_sha256(secret, body).hex()


def equal_secrets(expected: str, given: str) -> bool:
    """Constant-time equality of two texts (unencodable characters never match)."""
    return hmac.compare_digest(
        expected.encode("utf-8", "replace"), given.encode("utf-8", "replace")
    )


def verify_signed_body(
    headers: Mapping[str, str],
    body: bytes,
    *,
    header: str,
    secret: str | None,
    sign: Callable[[str, bytes], str],
) -> bool:
    """True when ``header`` carries ``sign(secret, body)`` (surrounding blanks ignored).

    Without a secret, or without a non-empty header, nothing verifies.
    """
    if not secret:
        return False
    given = find_header(headers, header)
    if not isinstance(given, str) or not given:
        return False
    return equal_secrets(sign(secret, body), given.strip())
