"""USPS Tracking API v3: HTTP only; payloads are read by :mod:`carriers.usps.parse`.

One tracking number per call, so a batch becomes concurrent calls held to a small
semaphore. Authentication is OAuth client credentials with a per-account cached token.

HTTP 400 is a per-number answer, not a whole-call failure: USPS answers an unknown
number with 400 and message code 150002, and a malformed number with other 400 codes.
Both become a ``not_found`` result for that number, since neither can ever be tracked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import quote

import httpx

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    TokenCache,
    TrackingResult,
)
from carriers.usps import parse

#: OAuth tokens per (base_url, client_id), shared by every adapter in this process.
TOKENS = TokenCache()


class USPSAdapter(CarrierAdapter):
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
    #: Calls in flight at once within one ``track`` call.
    concurrency: ClassVar[int] = 4

    async def track(self, numbers: Sequence[str]) -> list[TrackingResult]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(number: str) -> TrackingResult:
            async with gate:
                return await self._track_one(number)

        tasks = [asyncio.ensure_future(one(batch[0])) for batch in self.batches(numbers)]
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            for task in tasks:  # after a whole-call failure, stop the calls still waiting
                task.cancel()

    async def _track_one(self, number: str) -> TrackingResult:
        url = f"{self.base_url}/tracking/v3/tracking/{quote(number, safe='')}"
        response = await self._get_authorized(url, params={"expand": "DETAIL"})
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

    # --- OAuth ---

    @property
    def _token_key(self) -> tuple[str, str]:
        return (self.base_url, self.credentials.get("client_id", ""))

    async def _get_authorized(self, url: str, *, params: dict[str, str]) -> httpx.Response:
        """GET with a bearer token; on 401 fetch a new token and retry exactly once."""
        for _ in range(2):
            token = await TOKENS.get(self._token_key, self._fetch_token)
            response = await self.send(
                "GET",
                url,
                params=params,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            )
            if response.status_code != 401:
                return response
            TOKENS.invalidate(self._token_key, token)
        raise AuthError("usps: HTTP 401 again with a freshly fetched token")

    async def _fetch_token(self) -> tuple[str, float]:
        client_id = self.credentials.get("client_id")
        client_secret = self.credentials.get("client_secret")
        if not client_id or not client_secret:
            raise AuthError("usps: client_id and client_secret are required")
        response = await self.send(
            "POST",
            f"{self.base_url}/oauth2/v3/token",
            json={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
            headers={"Accept": "application/json"},
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(f"usps: token request rejected (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(f"usps: token endpoint HTTP {response.status_code}", response.content)
        return parse.parse_token(self.json_body(response))
