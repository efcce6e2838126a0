"""Session tokens got by logging in with a user and password (FAN Courier, Sameday, Cargus).

Unlike OAuth client credentials (:mod:`carriers.oauth`), these carriers hand out a token
for an account's user and password at their own login endpoint, each in its own shape;
subclasses say how to log in (:meth:`LoginAdapter.fetch_token`) and which headers carry
the token (:meth:`LoginAdapter.bearer_headers`). :meth:`LoginAdapter.authorized` does the
rest: the token comes from the carrier module's :class:`~carriers.base.TokenCache`, and a
refusal (:attr:`LoginAdapter.refresh_statuses`) drops it, logs in again and retries once.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from carriers.base import AuthError, CarrierAdapter, TokenCache


class LoginAdapter(CarrierAdapter):
    """A :class:`CarrierAdapter` that sends every carrier call with a cached session token."""

    #: Tokens by :attr:`token_key`; each carrier module keeps its own cache.
    tokens: ClassVar[TokenCache]
    #: Statuses that mean "this token is no longer good": log in again, once.
    refresh_statuses: ClassVar[tuple[int, ...]] = (401,)

    @property
    def token_key(self) -> tuple[str, str]:
        """One token per API root and user."""
        return (self.base_url, self.credentials.get("username", ""))

    def bearer_headers(self, token: str) -> dict[str, str]:
        """Headers for one carrier call with ``token``."""
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    async def fetch_token(self) -> tuple[str, float]:
        """Log in: ``(token, seconds it stays valid)``."""
        raise NotImplementedError

    async def authorized(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the session token; on a refusal drop it, log in again, retry once."""
        for _ in range(2):
            token = await self.tokens.get(self.token_key, self.fetch_token)
            response = await self.send(method, url, headers=self.bearer_headers(token), **kwargs)
            if response.status_code not in self.refresh_statuses:
                return response
            self.tokens.invalidate(self.token_key, token)
        raise AuthError(f"{self.key}: token refused twice (HTTP {response.status_code})")

    def login_credentials(self) -> tuple[str, str]:
        """``(username, password)``; :class:`AuthError` before any call when missing."""
        username = self.credentials.get("username", "")
        password = self.credentials.get("password", "")
        if not username or not password:
            raise AuthError(f"{self.key}: username and password are required")
        return username, password
