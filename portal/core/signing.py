"""The secret keys that sign tokens, and serializers built on them.

Every signed value in the portal (tracking and preferences links, returns links, drop-off
codes, the returns draft) is signed with ``PORTAL_SECRET_KEY``; values signed with a key in
``PORTAL_OLD_SECRET_KEYS`` still verify while keys rotate. The list is built here once so that
a rotation means the same thing for every token.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from portal.settings import Settings


def signing_keys(settings: Settings) -> list[str]:
    """Verification keys oldest first; itsdangerous signs with the last one (the current key)."""
    return [*reversed(tuple(getattr(settings, "old_secret_keys", ()) or ())), settings.secret_key]


def serializer(settings: Settings, salt: str) -> URLSafeSerializer:
    """For tokens that never expire (unsubscribe, follow and drop-off links)."""
    return URLSafeSerializer(signing_keys(settings), salt=salt)


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
