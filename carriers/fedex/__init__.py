"""FedEx Track API v1 adapter: HTTP, OAuth and webhook checks; parsing is in
:mod:`carriers.fedex.parse`.

Up to 30 numbers per call; the batches of one ``track()`` run concurrently under a small
semaphore. Pushed updates (FedEx's paid Advanced Integrated Visibility webhooks) are
signed with ``fdx-signature`` = Base64(HMAC-SHA256(security token, raw body)).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar
from uuid import uuid4

import httpx

from carriers.base import (
    AuthError,
    BadResponse,
    NumberFormat,
    NumberHint,
    TokenCache,
    TrackingResult,
)
from carriers.checkdigits import (
    fedex12_valid,
    fedex15_valid,
    fedex96_valid,
    impb91_20_valid,
    impb_valid,
    smartpost20_valid,
)
from carriers.concurrency import map_bounded
from carriers.fedex import parse
from carriers.oauth import OAuthAdapter
from carriers.parsing import decode_json
from carriers.signatures import base64_hmac_sha256, verify_signed_body

#: OAuth tokens per (base_url, client_id), shared by every FedExAdapter in the process.
TOKENS = TokenCache()


class FedExAdapter(OAuthAdapter):
    """Tracks FedEx parcels through ``/track/v1/trackingnumbers`` and accepts pushes."""

    key = "fedex"
    display_name = "FedEx"
    tracking_url = "https://www.fedex.com/fedextrack/?trknbr={number}"
    default_base_url = "https://apis.fedex.com"
    batch_size = 30
    #: FedEx allows 1,400 transactions per 10 s per project but only 100k Track calls a
    #: day by default; 10 calls/s (300 numbers/s) stays far from both.
    rate_limit = 10.0
    supports_push = True
    credential_fields: ClassVar[dict[str, str]] = {
        "client_id": "API key",
        "client_secret": "Secret key",
        "webhook_secret": "Webhook security token (only for pushed updates)",
    }
    #: Express (12), Ground (15, and its ``96`` barcode), and the USPS-delivered Ground
    #: Economy / SmartPost numbers it shares with USPS (lower: USPS issues most of those).
    number_formats: ClassVar[tuple[NumberFormat, ...]] = (
        NumberFormat("Express 12 digits", re.compile(r"[0-9]{12}"), 0.9, fedex12_valid),
        NumberFormat("Ground 15 digits", re.compile(r"[0-9]{15}"), 0.85, fedex15_valid),
        NumberFormat("Ground 96 barcode", re.compile(r"96[0-9]{20}"), 0.9, fedex96_valid),
        NumberFormat(
            "Ground Economy IMpb 92",
            re.compile(r"(?:420(?:[0-9]{5}|[0-9]{9}))?92[0-9]{20}"),
            0.4,
            impb_valid,
        ),
        NumberFormat("SmartPost 20 digits", re.compile(r"[0-9]{20}"), 0.7, smartpost20_valid),
        NumberFormat("20 digits, 91 dropped", re.compile(r"[0-9]{20}"), 0.5, impb91_20_valid),
    )
    tokens = TOKENS
    #: Batches in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 4

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """Batches of 30, at most :attr:`concurrency` at a time, results in order;
        the first failure cancels the rest and is raised as itself (:func:`map_bounded`)."""
        batches = await map_bounded(
            self._track_batch, self.batches(numbers), limit=self.concurrency
        )
        return [result for batch in batches for result in batch]

    async def _track_batch(self, batch: list[str]) -> list[TrackingResult]:
        body = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in batch],
        }
        url = f"{self.base_url}/track/v1/trackingnumbers"
        response = await self.authorized("POST", url, json=body)
        if response.status_code == 200:
            results = parse.parse_track(self.json_body(response), batch)
        elif response.status_code == 400 and self._numbers_rejected(response):
            # The whole call was refused over the numbers themselves. Alone, such a
            # number is unusable (not found); in a batch, ask for each on its own so
            # one bad number cannot keep the other 29 from being tracked.
            if len(batch) == 1:
                results = [TrackingResult(number=batch[0], not_found=True)]
            else:
                results = [r for n in batch for r in await self._track_batch([n])]
        elif response.status_code == 403:
            raise AuthError("fedex: access refused (HTTP 403)")
        else:
            raise BadResponse(f"fedex: unexpected HTTP {response.status_code}", response.content)
        for result in results:
            result.carrier_url = self.public_url(result.number)
        return results

    def _numbers_rejected(self, response: httpx.Response) -> bool:
        codes = parse.error_codes(self.json_body(response))
        return bool(codes) and all(c.startswith(parse.NUMBER_ERROR_PREFIX) for c in codes)

    # --- push ---

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when ``fdx-signature`` is the Base64 HMAC-SHA256 of the raw body."""
        return verify_signed_body(
            headers,
            body,
            header="fdx-signature",
            secret=self.credentials.get("webhook_secret"),
            sign=base64_hmac_sha256,
        )

    def parse_webhook(self, body: bytes) -> list[TrackingResult]:
        """Results in a pushed body (see :func:`carriers.fedex.parse.parse_push`)."""
        results = parse.parse_push(decode_json(body, "fedex: pushed body is not JSON"))
        for result in results:
            result.carrier_url = self.public_url(result.number)
        return results

    # --- OAuth (the 401 retry is :meth:`OAuthAdapter.authorized`) ---

    def bearer_headers(self, token: str) -> dict[str, str]:
        return {
            "authorization": f"Bearer {token}",
            "x-locale": "en_US",
            "x-customer-transaction-id": str(uuid4()),
            "accept": "application/json",
        }

    async def fetch_token(self) -> tuple[str, float]:
        return await self.request_token(
            "/oauth/token",
            parse.parse_token,
            data=self.client_credentials_grant(),
            headers={"accept": "application/json"},
        )
