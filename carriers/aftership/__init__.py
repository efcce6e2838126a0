"""AfterShip: batched look-ups of the merchant's AfterShip trackings, and pushed updates.

``GET {base}/tracking/{version}/trackings?tracking_numbers=a,b,…`` (at most 50 numbers a
call) with the ``as-api-key`` header lists the trackings the merchant's AfterShip account
holds. A number AfterShip does not hold is a ``not_found`` result: trackings are created
in AfterShip (by its shop integrations or its API), Doorstep only reads them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from typing import ClassVar

from carriers.aftership import parse
from carriers.base import AuthError, BadResponse, CarrierAdapter, NumberHint, TrackingResult
from carriers.detection import is_plausible, normalise


class AfterShipAdapter(CarrierAdapter):
    """Reads trackings from AfterShip; AfterShip pushes ``tracking_update`` webhooks."""

    key = "aftership"
    display_name = "AfterShip"
    #: The public page belongs to the underlying courier (``courier_tracking_link``).
    tracking_url = ""
    default_base_url = "https://api.aftership.com"
    #: Dated API version; fields of 2024-01 to 2025-07 are understood.
    api_version: ClassVar[str] = "2025-07"
    batch_size = 50
    rate_limit = 10.0
    supports_push = True
    credential_fields: ClassVar[Mapping[str, str]] = {
        "api_key": "API key",
        "webhook_secret": "Webhook secret",
    }

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        # Asked once each, normalised; a malformed number is not worth a call.
        wanted = list(dict.fromkeys(normalise(n) for n in numbers if is_plausible(n)))
        found: dict[str, TrackingResult] = {}
        for answer in await asyncio.gather(*(self._fetch(b) for b in self.batches(wanted))):
            found.update(answer)
        results = []
        for number in numbers:
            result = found.get(normalise(number))
            if result is None:
                results.append(TrackingResult(number=number, not_found=True))
            else:
                results.append(dataclasses.replace(result, number=number))
        return results

    async def _fetch(self, batch: list[str]) -> dict[str, TrackingResult]:
        response = await self.send(
            "GET",
            f"{self.base_url}/tracking/{self.api_version}/trackings",
            params={"tracking_numbers": ",".join(batch), "limit": 200},
            headers={
                "as-api-key": self.credentials.get("api_key", ""),
                "Accept": "application/json",
            },
        )
        if response.status_code in (401, 403):
            raise AuthError(f"aftership: HTTP {response.status_code}")
        if response.status_code != 200:
            raise BadResponse(f"aftership: HTTP {response.status_code}", response.content)
        return parse.parse_trackings(self.json_body(response))

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        return parse.verify_signature(headers, body, self.credentials.get("webhook_secret"))

    def parse_webhook(self, body: bytes) -> list[TrackingResult]:
        return parse.parse_webhook(body)
