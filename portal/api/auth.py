"""Bearer API keys: find the key by its public prefix, compare the hash, note its use.

Only a SHA-256 of a key is stored (:mod:`portal.security`); a revoked or unknown key and
a malformed header all answer 401 with ``WWW-Authenticate: Bearer``. ``last_used_at`` is
written at most once a minute per key (a conditional update, so concurrent requests in
several processes agree), not on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from portal.api.errors import ApiError
from portal.models import ApiKey
from portal.security import api_key_matches, split_api_key

REALM = "doorstep"
#: How stale ``last_used_at`` may get before a request refreshes it.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """Who is calling: the API key's row id and the merchant every query is scoped to."""

    api_key_id: int
    merchant_id: int


def _unauthorized(detail: str, error: str | None = "invalid_token") -> ApiError:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    return ApiError(401, detail, headers={"WWW-Authenticate": challenge})


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; 401 otherwise."""
    if not authorization:
        raise _unauthorized("Send an API key as `Authorization: Bearer <key>`.", error=None)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Send an API key as `Authorization: Bearer <key>`.", error=None)
    return token.strip()


async def authenticate(authorization: str | None, *, now: datetime | None = None) -> Caller:
    """The caller behind the header, or :class:`ApiError` 401."""
    token = bearer_token(authorization)
    prefix = split_api_key(token)
    key = await ApiKey.get_or_none(prefix=prefix) if prefix else None
    if key is None or not api_key_matches(key.key_hash, token):
        raise _unauthorized("The API key is not valid.")
    if key.revoked_at is not None:
        raise _unauthorized("The API key has been revoked.")
    now = now or datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        await ApiKey.filter(stale, id=key.id).update(last_used_at=now)
    return Caller(api_key_id=key.id, merchant_id=key.merchant_id)
