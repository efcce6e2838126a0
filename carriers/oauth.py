"""OAuth client-credentials for adapters (UPS, FedEx, USPS): one bearer token per account.

Subclasses say how to ask for a token (:meth:`OAuthAdapter.fetch_token`) and which headers
go with it (:meth:`OAuthAdapter.bearer_headers`); :meth:`OAuthAdapter.authorized` does
the rest: fetch through the shared :class:`~carriers.base.TokenCache`, and on a 401 drop
that token, fetch a new one and retry once. A second 401 is an :class:`AuthError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from carriers.base import AuthError, BadResponse
from carriers.tokens import TokenAdapter


class OAuthAdapter(TokenAdapter):
    """A :class:`~carriers.tokens.TokenAdapter` whose token is an OAuth client-credentials
    grant, one per (base_url, client_id)."""

    def client_credentials(self) -> tuple[str, str]:
        """``(client_id, client_secret)``; :class:`AuthError` before any call when missing."""
        client_id = self.credentials.get("client_id", "")
        client_secret = self.credentials.get("client_secret", "")
        if not client_id or not client_secret:
            raise AuthError(f"{self.key}: client_id and client_secret are required")
        return client_id, client_secret

    def client_credentials_grant(self) -> dict[str, str]:
        """The client-credentials grant with the id and secret in the body."""
        client_id, client_secret = self.client_credentials()
        return {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }

    async def request_token(
        self, path: str, parse: Callable[[Any], tuple[str, float]], **kwargs: Any
    ) -> tuple[str, float]:
        """POST to the token endpoint at ``path`` and read the answer: refused
        (400/401/403) is an :class:`AuthError`, any other non-200 a :class:`BadResponse`,
        else ``parse`` of the JSON body gives ``(token, expires_in seconds)``."""
        response = await self.send("POST", f"{self.base_url}{path}", **kwargs)
        if response.status_code in (400, 401, 403):
            raise AuthError(f"{self.key}: token request refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(
                f"{self.key}: token endpoint HTTP {response.status_code}", response.content
            )
        return parse(self.json_body(response))
