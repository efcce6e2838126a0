"""InPost (Poland) through ShipX: HTTP only; payloads are read by :mod:`carriers.inpost.parse`.

Documentation (ShipX 1.23, InPost's Confluence):
- Tracking: https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/28639244
  (``GET /v1/tracking/{tracking_number}``; ``custom_attributes.target_machine_id`` and
  ``target_machine_detail`` name the destination locker)
- Statuses: https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/28639245
  (``GET /v1/statuses``: the list :mod:`carriers.inpost.codes` maps, name by name)
- Webhooks: https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/18153494
- Errors: ``{"status": 400, "error": "invalid_parameter", "description": ..., "details": ...}``

The tracking resource needs no authorisation; an organisation's Bearer token is sent
when the merchant gives one (ShipX accepts it on every endpoint), and a 401/403 then
means the token is wrong. One number per call, paced by ``rate_limit`` (ShipX publishes
no figure for tracking; kept conservative). A 404, or a 400 for a number ShipX cannot
read, is ``not_found``.

Push is not offered: ShipX webhooks (``shipment_status_changed``) carry no signature
and no shared secret; the only documented safeguard is the sending IP range
91.216.25.0/24, which an adapter that sees headers and body alone cannot check.

Pickup deadlines are not in the tracking resource (ShipX documents none), so
``PickupPoint.pickup_deadline`` stays empty rather than guessed from the service's
usual 48 hours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar
from urllib.parse import quote

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    TrackingResult,
)
from carriers.inpost import parse
from carriers.parsing import squash


class InPostAdapter(CarrierAdapter):
    """InPost parcel lockers (Paczkomat®) and courier parcels via ShipX tracking."""

    key = "inpost"
    display_name = "InPost"
    tracking_url = "https://inpost.pl/sledzenie-przesylek?number={number}"
    default_base_url = "https://api-shipx-pl.easypack24.net"
    batch_size = 1
    rate_limit = 2.0
    supports_push = False
    credential_fields: ClassVar[dict[str, str]] = {
        "api_token": "ShipX API token (optional: tracking is public)",
    }
    #: InPost's 24-digit parcel numbers (locker and courier alike). ShipX documents no
    #: check digit for them, so a bare run of 24 digits proves only a little.
    number_formats = (NumberFormat("InPost parcel number", re.compile(r"[0-9]{24}"), 0.4),)

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        return await self.one_by_one(numbers, self._track_one)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        token = self.credentials.get("api_token")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _track_one(self, number: str) -> TrackingResult:
        wanted = squash(number)
        response = await self.send(
            "GET", f"{self.base_url}/v1/tracking/{quote(wanted, safe='')}", headers=self._headers()
        )
        if response.status_code in (401, 403):
            raise AuthError(f"inpost: token rejected (HTTP {response.status_code})")
        if response.status_code in (400, 404):
            if parse.is_error(self.json_body(response)):
                return self._not_found(number)
            raise BadResponse(
                f"inpost: HTTP {response.status_code} without an error body", response.content
            )
        if response.status_code != 200:
            raise BadResponse(f"inpost: unexpected HTTP {response.status_code}", response.content)
        result = parse.parse_tracking(self.json_body(response))
        result.number = number  # as asked, whatever spacing ShipX echoes
        result.carrier_url = self.public_url(wanted)
        return result

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(
            number=number, not_found=True, carrier_url=self.public_url(squash(number))
        )
