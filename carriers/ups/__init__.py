"""UPS Track API adapter: HTTP and OAuth only; parsing lives in :mod:`carriers.ups.parse`.

UPS tracks one number per call, so a batch becomes several calls run concurrently under a
small semaphore (enough to hide latency, few enough not to trip UPS's unpublished limits).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar
from urllib.parse import quote
from uuid import uuid4

from carriers.base import (
    AuthError,
    BadResponse,
    NumberFormat,
    NumberHint,
    TokenCache,
    TrackingResult,
)
from carriers.checkdigits import ups_valid
from carriers.concurrency import map_bounded
from carriers.oauth import OAuthAdapter
from carriers.ups import parse

#: OAuth tokens per (base_url, client_id), shared by every UPSAdapter in the process.
TOKENS = TokenCache()


class UPSAdapter(OAuthAdapter):
    """Tracks UPS parcels through the Track API (``/api/track/v1/details``)."""

    key = "ups"
    display_name = "UPS"
    tracking_url = "https://www.ups.com/track?tracknum={number}"
    default_base_url = "https://onlinetools.ups.com"
    batch_size = 1
    #: UPS publishes no figure for the Track API; kept modest.
    rate_limit = 10.0
    supports_push = False  # Track Alert pushes carry no signature we could verify
    credential_fields: ClassVar[dict[str, str]] = {
        "client_id": "Client ID",
        "client_secret": "Client secret",
    }
    #: A ``1Z`` prefix plus a check digit is as sure as detection gets.
    number_formats: ClassVar[tuple[NumberFormat, ...]] = (
        NumberFormat("UPS 1Z", re.compile(r"1Z[0-9A-Z]{15}[0-9]"), 0.99, check=ups_valid),
    )
    tokens = TOKENS
    #: Track calls in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 4

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One call per number, at most :attr:`concurrency` at a time, results in order;
        the first failure cancels the rest and is raised as itself (:func:`map_bounded`)."""
        return await map_bounded(self._track_one, numbers, limit=self.concurrency)

    async def _track_one(self, number: str) -> TrackingResult:
        url = f"{self.base_url}/api/track/v1/details/{quote(number, safe='')}"
        params = {
            "locale": "en_US",
            "returnSignature": "true",
            "returnMilestones": "false",
            "returnPOD": "true",
        }
        response = await self.authorized("GET", url, params=params)
        if response.status_code == 404:
            result = TrackingResult(number=number, not_found=True)
        elif response.status_code in (200, 400):
            # 400 is UPS's answer to a malformed number ({"response": {"errors": ...}});
            # the parser turns that body into not_found and anything else into BadResponse.
            [result] = parse.parse_track(self.json_body(response), number)
        elif response.status_code == 403:
            client_id = self.credentials.get("client_id", "")
            raise AuthError(f"ups: access refused (HTTP 403) for client {client_id}")
        else:
            raise BadResponse(f"ups: unexpected HTTP {response.status_code}", response.content)
        result.carrier_url = self.public_url(number)
        return result

    # --- OAuth (the 401 retry is :meth:`OAuthAdapter.authorized`) ---

    def bearer_headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "transId": uuid4().hex,  # unique per request, 32 chars as UPS allows
            "transactionSrc": "doorstep",
        }

    async def fetch_token(self) -> tuple[str, float]:
        return await self.request_token(
            "/security/v1/oauth/token",
            parse.parse_token,
            data={"grant_type": "client_credentials"},
            auth=self.client_credentials(),
            headers={"Accept": "application/json"},
        )
