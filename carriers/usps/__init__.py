"""USPS Tracking API v3: HTTP only; payloads are read by :mod:`carriers.usps.parse`.

One tracking number per call, so a batch becomes concurrent calls held to a small
semaphore. Authentication is OAuth client credentials with a per-account cached token.

HTTP 400 is a per-number answer, not a whole-call failure: USPS answers an unknown
number with 400 and message code 150002, and a malformed number with other 400 codes.
Both become a ``not_found`` result for that number, since neither can ever be tracked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import quote

from carriers.base import AuthError, BadResponse, TokenCache, TrackingResult
from carriers.concurrency import map_bounded
from carriers.oauth import OAuthAdapter
from carriers.usps import parse

#: OAuth tokens per (base_url, client_id), shared by every adapter in this process.
TOKENS = TokenCache()


class USPSAdapter(OAuthAdapter):
    """USPS tracking through the v3 REST API (apis.usps.com)."""

    key = "usps"
    display_name = "USPS"
    tracking_url = "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"
    default_base_url = "https://apis.usps.com"
    batch_size = 1
    #: USPS documents 429/503 with Retry-After rather than a rate; the engine backs off
    #: on RateLimited. (The default quota is said to be low: 60 calls an hour, unconfirmed.)
    rate_limit = 1.0
    credential_fields = {"client_id": "Consumer key", "client_secret": "Consumer secret"}
    tokens = TOKENS
    #: Calls in flight at once within one ``track`` call.
    concurrency: ClassVar[int] = 4

    async def track(self, numbers: Sequence[str]) -> list[TrackingResult]:
        """One call per number, at most :attr:`concurrency` at a time, results in order;
        a whole-call failure stops the calls still waiting and is raised as itself."""
        return await map_bounded(self._track_one, numbers, limit=self.concurrency)

    async def _track_one(self, number: str) -> TrackingResult:
        url = f"{self.base_url}/tracking/v3/tracking/{quote(number, safe='')}"
        response = await self.authorized("GET", url, params={"expand": "DETAIL"})
        if response.status_code == 400:
            return TrackingResult(
                number=number, not_found=True, carrier_url=self.public_url(number)
            )
        if response.status_code == 403:
            raise AuthError("usps: this app may not use the Tracking API (HTTP 403)")
        if response.status_code != 200:
            raise BadResponse(f"usps: unexpected HTTP {response.status_code}", response.content)
        (result,) = parse.parse_tracking(self.json_body(response), number)
        result.carrier_url = self.public_url(number)
        return result

    # --- OAuth (the 401 retry is :meth:`OAuthAdapter.authorized`) ---

    async def fetch_token(self) -> tuple[str, float]:
        return await self.request_token(
            "/oauth2/v3/token",
            parse.parse_token,
            json=self.client_credentials_grant(),
            headers={"Accept": "application/json"},
        )
