"""Short signed tokens for links that must fit in a text message.

An itsdangerous token carries its payload and a full signature (40–70 characters); in an
SMS written in Cyrillic or Greek, where two segments hold 134 characters, such a link
leaves too little room for the words before it. A short link instead names its subject in
the path (a return's number, a shipment's id) and adds only a truncated HMAC of it:
:data:`MAC_BYTES` bytes (80 bits), base64url, 14 characters.

Each kind of link has its own ``purpose`` (as the long tokens have their salt), so a mac
made for one kind never opens another. Macs are keyed by ``PORTAL_SECRET_KEY``; those made
with a key in ``PORTAL_OLD_SECRET_KEYS`` still verify while keys rotate, and every
comparison is constant-time. A link that should expire signs its issue time too
(:func:`timed_mac`), so its age is read from the link as a timed serializer's would be.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from base64 import urlsafe_b64encode
from functools import lru_cache

from portal.core.signing import signing_keys
from portal.settings import Settings

#: 80 bits: beyond guessing at any rate a web server answers.
MAC_BYTES = 10
MAC_LENGTH = 14
#: What a mac looks like; anything else is refused before any hashing.
MAC_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{MAC_LENGTH}}}")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=64)
def _purpose_keys(keys: tuple[str, ...], purpose: str) -> tuple[bytes, ...]:
    """One HMAC key per secret (newest first), derived for ``purpose``."""
    return tuple(
        hmac.new(key.encode("utf-8"), b"doorstep-short-link:" + purpose.encode(), "sha256").digest()
        for key in reversed(keys)
    )


def _keys(settings: Settings, purpose: str) -> tuple[bytes, ...]:
    return _purpose_keys(tuple(signing_keys(settings)), purpose)


def _mac(key: bytes, parts: tuple[object, ...]) -> str:
    message = json.dumps(list(parts), separators=(",", ":"), ensure_ascii=False).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]
    return urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def mac(settings: Settings, purpose: str, *parts: object) -> str:
    """The short mac of ``parts`` (JSON values: ids, numbers) for ``purpose``."""
    return _mac(_keys(settings, purpose)[0], parts)


def is_valid(settings: Settings, purpose: str, candidate: str, *parts: object) -> bool:
    """Whether ``candidate`` is the mac of ``parts`` under the current or an old key."""
    if not MAC_SHAPE.fullmatch(candidate):
        return False
    found = False
    for key in _keys(settings, purpose):
        found |= hmac.compare_digest(_mac(key, parts), candidate)
    return found


def base36(number: int) -> str:
    """A non-negative integer in lower-case base 36 (shorter than decimal in a link)."""
    if number < 0:
        raise ValueError("base36 writes non-negative integers only")
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
        if not number:
            return out


def from_base36(text: str) -> int | None:
    """The integer ``text`` writes in base 36, or None when it is not one (or too long)."""
    if not text or len(text) > 13 or any(ch not in _DIGITS for ch in text):
        return None
    return int(text, 36)


def timed_mac(settings: Settings, purpose: str, *parts: object, now: float | None = None) -> str:
    """``<issued, base 36>.<mac of parts and issued>``: a short token that can expire."""
    issued = base36(int(time.time() if now is None else now))
    return f"{issued}.{mac(settings, purpose, *parts, issued)}"


def read_timed_mac(
    settings: Settings,
    purpose: str,
    token: str,
    *parts: object,
    max_age: int | None,
    now: float | None = None,
) -> bool:
    """Whether ``token`` (from :func:`timed_mac`) is genuine for ``parts`` and younger than
    ``max_age`` seconds (any age when None)."""
    issued_text, _, candidate = token.partition(".")
    issued = from_base36(issued_text)
    if issued is None or not is_valid(settings, purpose, candidate, *parts, issued_text):
        return False
    age = (time.time() if now is None else now) - issued
    return max_age is None or age <= max_age
