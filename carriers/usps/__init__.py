"""USPS Tracking API v3: HTTP only; payloads are read by :mod:`carriers.usps.parse`.

One tracking number per call, so a batch becomes concurrent calls held to a small
semaphore. Authentication is OAuth client credentials with a per-account cached token.

HTTP 400 is a per-number answer, not a whole-call failure: USPS answers an unknown
number with 400 and message code 150002, and a malformed number with other 400 codes.
Both become a ``not_found`` result for that number, since neither can ever be tracked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar
from urllib.parse import quote

from carriers.base import (
    AuthError,
    BadResponse,
    NumberFormat,
    NumberHint,
    TokenCache,
    TrackingResult,
)
from carriers.checkdigits import impb91_20_valid, impb_valid, smartpost20_valid, usps20_valid
from carriers.concurrency import map_bounded
from carriers.oauth import OAuthAdapter
from carriers.usps import parse

#: The optional ``420`` + ZIP (5 or 9 digits) routing prefix in front of an IMpb.
_ZIP = r"(?:420(?:[0-9]{5}|[0-9]{9}))?"

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
    #: IMpb barcodes (optionally behind ``420`` + ZIP) and the 20-digit numbers printed
    #: under them. ``92`` and SmartPost numbers are shared with FedEx (see its formats).
    number_formats: ClassVar[tuple[NumberFormat, ...]] = (
        NumberFormat("IMpb 93/94/95", re.compile(rf"{_ZIP}9[3-5][0-9]{{20}}"), 0.9, impb_valid),
        NumberFormat("IMpb 92", re.compile(rf"{_ZIP}92[0-9]{{20}}"), 0.85, impb_valid),
        NumberFormat("IMpb 91", re.compile(rf"{_ZIP}91[0-9]{{20}}"), 0.75, impb_valid),
        NumberFormat("20 digits", re.compile(r"[0-9]{20}"), 0.8, usps20_valid),
        NumberFormat("20 digits, 91 dropped", re.compile(r"[0-9]{20}"), 0.6, impb91_20_valid),
        NumberFormat("20 digits, 92 dropped", re.compile(r"[0-9]{20}"), 0.5, smartpost20_valid),
    )
    #: UPU S10 numbers ending ``US`` (``EA123456785US``).
    postal_countries: ClassVar[frozenset[str]] = frozenset({"US"})
    tokens = TOKENS
    #: Calls in flight at once within one ``track`` call.
    concurrency: ClassVar[int] = 4

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
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
