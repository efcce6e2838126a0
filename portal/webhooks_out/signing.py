"""The ``Doorstep-Signature`` header: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The HMAC key is the endpoint's secret; the message is ``f"{t}.{body}"`` with the exact
bytes of the body. A receiver recomputes it and checks ``t`` is within a tolerance of its
own clock (five minutes by default), which makes a captured request useless later. Several
``v1=`` values may appear (while a secret is being rolled); any one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

HEADER = "Doorstep-Signature"
DEFAULT_TOLERANCE = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, now: datetime) -> str:
    """The header value for ``body`` sent at ``now``."""
    timestamp = int(now.timestamp())
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    now: datetime,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is no older (or newer) than
    ``tolerance`` seconds at ``now``. Receivers use this; so do the tests."""
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates)
