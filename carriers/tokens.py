"""Adapters whose carrier calls carry a cached token: OAuth client credentials
(:mod:`carriers.oauth`) and user-and-password logins (:mod:`carriers.login`).

Subclasses say how to get a token (:meth:`TokenAdapter.fetch_token`) and which headers
carry it (:meth:`TokenAdapter.bearer_headers`); :meth:`TokenAdapter.authorized` does the
rest: the token comes from the carrier module's :class:`~carriers.base.TokenCache`, and a
refusal (:attr:`TokenAdapter.refresh_statuses`) drops it, gets a new one and retries once.
A second refusal is an :class:`~carriers.base.AuthError`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from carriers.base import AuthError, CarrierAdapter, TokenCache


class TokenAdapter(CarrierAdapter):
    """A :class:`CarrierAdapter` that sends every carrier call with a cached token."""

    #: Tokens by :attr:`token_key`; each carrier module keeps its own cache.
    tokens: ClassVar[TokenCache]
    #: Statuses that mean "this token is no longer good": get another, once.
    refresh_statuses: ClassVar[tuple[int, ...]] = (401,)
    #: The credential naming whose token it is (one token per API root and this value).
    token_owner: ClassVar[str] = "client_id"

    @property
    def token_key(self) -> tuple[str, str]:
        return (self.base_url, self.credentials.get(self.token_owner, ""))

    def bearer_headers(self, token: str) -> dict[str, str]:
        """Headers for one carrier call with ``token`` (fresh per call: may carry an id)."""
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    async def fetch_token(self) -> tuple[str, float]:
        """Get a token from the carrier: ``(token, seconds it stays valid)``."""
        raise NotImplementedError

    async def authorized(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the token; on a refusal drop it, get a new one, retry once."""
        for _ in range(2):
            token = await self.tokens.get(self.token_key, self.fetch_token)
            response = await self.send(method, url, headers=self.bearer_headers(token), **kwargs)
            if response.status_code not in self.refresh_statuses:
                return response
            self.tokens.invalidate(self.token_key, token)
        raise AuthError(f"{self.key}: token refused twice (HTTP {response.status_code})")
