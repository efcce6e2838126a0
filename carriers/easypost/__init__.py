"""EasyPost: one Tracker per number over REST, and pushed ``tracker.updated`` events.

``POST {base}/v2/trackers`` with ``{"tracker": {"tracking_code", "carrier"?}}`` and HTTP
Basic auth (API key as user, empty password) creates a Tracker, or returns the existing
one for the same code and carrier, so polling it is idempotent. Numbers EasyPost
rejects (422 with an ``error`` body) are ``not_found`` results, and so are malformed
numbers, without a call: EasyPost bills every tracker it creates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from carriers.base import AuthError, BadResponse, CarrierAdapter, NumberHint, TrackingResult
from carriers.detection import is_plausible, normalise
from carriers.easypost import parse


class EasyPostAdapter(CarrierAdapter):
    """Tracks through EasyPost; EasyPost pushes every tracker update to our webhook."""

    key = "easypost"
    display_name = "EasyPost"
    #: EasyPost's public page is per tracker (``public_url``), filled in from the payload.
    tracking_url = ""
    default_base_url = "https://api.easypost.com"
    batch_size = 1
    rate_limit = 5.0
    supports_push = True
    credential_fields: ClassVar[Mapping[str, str]] = {
        "api_key": "API key",
        "webhook_secret": "Webhook secret",
        "carrier": "Carrier as EasyPost names it (optional, e.g. USPS)",
    }
    #: Concurrent tracker calls per track() call; the engine paces accounts on top.
    concurrency: ClassVar[int] = 8

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(number: str) -> TrackingResult:
            async with gate:
                return await self._track_one(number)

        return list(await asyncio.gather(*(one(n) for n in numbers)))

    async def _track_one(self, number: str) -> TrackingResult:
        if not is_plausible(number):
            return TrackingResult(number=number, not_found=True)
        # Normalised, so "1Z 999…" and "1Z999…" are one (billed) tracker, not two.
        tracker: dict[str, Any] = {"tracking_code": normalise(number)}
        if self.credentials.get("carrier"):
            tracker["carrier"] = self.credentials["carrier"]
        response = await self.send(
            "POST",
            f"{self.base_url}/v2/trackers",
            json={"tracker": tracker},
            auth=(self.credentials.get("api_key", ""), ""),
            headers={"Accept": "application/json"},
        )
        if response.status_code in (401, 403):
            raise AuthError(f"easypost: HTTP {response.status_code}")
        if response.status_code == 422:
            parse.parse_error(self.json_body(response))  # an EasyPost error, not a proxy page
            return TrackingResult(number=number, not_found=True)
        if not 200 <= response.status_code < 300:
            raise BadResponse(f"easypost: HTTP {response.status_code}", response.content)
        return parse.parse_tracker(self.json_body(response), number=number)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return parse.verify_signature(headers, body, self.credentials.get("webhook_secret"))

    def parse_webhook(self, body: bytes) -> list[TrackingResult]:
        return parse.parse_event(body)
