"""Session tokens got by logging in with a user and password (FAN Courier, Sameday, Cargus).

Unlike OAuth client credentials (:mod:`carriers.oauth`), these carriers hand out a token
for an account's user and password at their own login endpoint, each in its own shape;
subclasses say how to log in (``fetch_token``) and which headers carry the token; the
shared :class:`~carriers.tokens.TokenAdapter` caches it and logs in again once on a refusal.
"""

from __future__ import annotations

from typing import ClassVar

from carriers.base import AuthError
from carriers.tokens import TokenAdapter


class LoginAdapter(TokenAdapter):
    """A :class:`~carriers.tokens.TokenAdapter` whose token belongs to an account's user."""

    token_owner: ClassVar[str] = "username"

    def login_credentials(self) -> tuple[str, str]:
        """``(username, password)``; :class:`AuthError` before any call when missing."""
        username = self.credentials.get("username", "")
        password = self.credentials.get("password", "")
        if not username or not password:
            raise AuthError(f"{self.key}: username and password are required")
        return username, password
