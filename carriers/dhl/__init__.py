"""DHL Shipment Tracking (Unified): HTTP only; payloads are read by :mod:`carriers.dhl.parse`.

One number per call with a static ``DHL-API-Key``. The starter tier allows about one
call a second, so a batch runs sequentially, spaced by ``1 / rate_limit`` seconds.

Per-number answers: 404 ``{"title": "No result found", "status": 404}`` for an unknown
number and 400 problem bodies for a number DHL cannot read both become ``not_found``;
a 4xx without a problem body (a proxy's HTML page) is a :class:`BadResponse`.

Push: DHL subscriptions send a static header chosen by the merchant. Doorstep uses
``DHL-Webhook-Secret`` and compares it with ``credentials["webhook_secret"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    TrackingResult,
)
from carriers.checkdigits import mod7_valid
from carriers.dhl import parse
from carriers.parsing import decode_json
from carriers.signatures import equal_secrets, find_header


class DHLAdapter(CarrierAdapter):
    """DHL tracking through the Unified Shipment Tracking API (api-eu.dhl.com)."""

    key = "dhl"
    display_name = "DHL"
    tracking_url = (
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
        "?submit=1&tracking-id={number}"
    )
    default_base_url = "https://api-eu.dhl.com"
    batch_size = 1
    rate_limit = 1.0
    supports_push = True
    credential_fields = {
        "api_key": "API key",
        "webhook_secret": "Push secret (optional; DHL sends it in the DHL-Webhook-Secret header)",
    }
    #: DHL Express waybills: weak evidence alone (a mod 7 check passes 1 number in 7).
    number_formats: ClassVar[tuple[NumberFormat, ...]] = (
        NumberFormat("Express 10 digits", re.compile(r"[0-9]{10}"), 0.6, mod7_valid),
        NumberFormat("Express 11 digits", re.compile(r"[0-9]{11}"), 0.5, mod7_valid),
    )
    #: The Unified Tracking API covers Deutsche Post, so S10 numbers ending ``DE`` are ours.
    postal_countries: ClassVar[frozenset[str]] = frozenset({"DE"})
    #: The header DHL push subscriptions are configured to send with the secret.
    webhook_header: ClassVar[str] = "DHL-Webhook-Secret"
    #: Asked for English; DHL Germany still answers some texts in German (codes.py reads both).
    language: ClassVar[str] = "en"

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        api_key = self.credentials.get("api_key")
        if numbers and not api_key:
            raise AuthError("dhl: api_key is required")
        return await self.one_by_one(numbers, lambda number: self._track_one(number, str(api_key)))

    async def _track_one(self, number: str, api_key: str) -> TrackingResult:
        response = await self.send(
            "GET",
            f"{self.base_url}/track/shipments",
            params={"trackingNumber": number, "language": self.language},
            headers={"DHL-API-Key": api_key, "Accept": "application/json"},
        )
        if response.status_code in (401, 403):
            raise AuthError(f"dhl: API key rejected (HTTP {response.status_code})")
        if response.status_code in (400, 404):
            if parse.is_problem(self.json_body(response)):
                return self._not_found(number)
            raise BadResponse(
                f"dhl: HTTP {response.status_code} without a problem body", response.content
            )
        if response.status_code != 200:
            raise BadResponse(f"dhl: unexpected HTTP {response.status_code}", response.content)
        result = parse.pick(parse.parse_shipments(self.json_body(response)), number)
        if result is None:
            return self._not_found(number)
        result.number = number  # as asked, whatever spacing DHL echoes
        result.carrier_url = self.public_url(number)
        return result

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(number=number, not_found=True, carrier_url=self.public_url(number))

    # --- push ---

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the pushed header carries this account's secret (constant-time)."""
        secret = self.credentials.get("webhook_secret")
        given = find_header(headers, self.webhook_header)
        if not secret or given is None:
            return False
        return equal_secrets(secret, given)

    def parse_webhook(self, body: bytes) -> list[TrackingResult]:
        """Results from a pushed body, which has the tracking response's shipments[] shape."""
        results = parse.parse_shipments(decode_json(body, "dhl: pushed body is not JSON"))
        for result in results:
            result.carrier_url = self.public_url(result.number)
        return results
