"""An example third-party Doorstep carrier adapter for the (fictional) Example Parcel API.

``GET {base}/v1/parcels/{number}`` with an ``X-Api-Key`` header answers::

    {"number": "EX123", "status": "in_transit", "signed_by": null,
     "events": [{"time": "2026-11-20T09:00:00+01:00", "code": "picked_up",
                 "text": "Picked up", "city": "Lyon", "country": "FR"}]}

and 404 for a number it does not know. Everything a real plugin needs is here: the
metadata (including the number format detection proposes it for), one code table, a pure
parser that raises only BadResponse, and track().

Example Parcel numbers are ``EX`` + 8 digits + a check digit (GS1 mod 10 over the 8).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from carriers.checkdigits import mod10
from carriers.timestamps import parse_iso

CODES: dict[str, tuple[Status, Reason | None]] = {
    "created": (Status.INFO_RECEIVED, None),
    "picked_up": (Status.IN_TRANSIT, None),
    "in_transit": (Status.IN_TRANSIT, None),
    "out_for_delivery": (Status.OUT_FOR_DELIVERY, None),
    "attempt_failed": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    "at_pickup_point": (Status.AVAILABLE_FOR_PICKUP, None),
    "delivered": (Status.DELIVERED, None),
    "returned": (Status.RETURNED_TO_SENDER, None),
    "damaged": (Status.EXCEPTION, Reason.DAMAGED),
}


def valid_number(number: str) -> bool:
    """The last digit is the GS1 mod 10 of the eight after ``EX``."""
    return mod10(number[2:10]) == int(number[10])


def parse_parcel(raw: Any, number: str) -> TrackingResult:
    """One parcel answer -> TrackingResult; anything malformed raises BadResponse."""
    if not isinstance(raw, dict) or not isinstance(raw.get("events", []), list):
        raise BadResponse("example: not a parcel", repr(raw))
    events = []
    for item in raw.get("events", []):
        if not isinstance(item, dict) or not isinstance(item.get("time"), str):
            raise BadResponse("example: event without a time", repr(item))
        code = str(item.get("code") or "")
        status, reason = CODES.get(code, (Status.IN_TRANSIT, None))
        country = item.get("country") if isinstance(item.get("country"), str) else None
        try:
            when = parse_iso(item["time"], country=country)
        except (ValueError, OverflowError) as exc:
            raise BadResponse(f"example: bad time {item['time']!r}", repr(item)) from exc
        events.append(
            TrackingEvent(
                occurred_at=when,
                status=status,
                reason=reason,
                carrier_code=code,
                description=str(item.get("text") or ""),
                city=item.get("city") if isinstance(item.get("city"), str) else None,
                country=country,
            )
        )
    events.sort(key=lambda e: e.occurred_at)
    latest = events[-1] if events else None
    delivered = latest is not None and latest.status is Status.DELIVERED
    signer = raw.get("signed_by")
    return TrackingResult(
        number=number,
        status=latest.status if latest else Status.PENDING,
        reason=latest.reason if latest else None,
        events=events,
        delivered_at=latest.occurred_at if latest and delivered else None,
        signed_by=signer if isinstance(signer, str) else None,
        carrier_url=ExampleAdapter.tracking_url.format(number=number),
    )


class ExampleAdapter(CarrierAdapter):
    """Example Parcel: one number per call, API key in a header, no push."""

    key = "example"
    display_name = "Example Parcel"
    tracking_url = "https://track.example-parcel.test/{number}"
    default_base_url = "https://api.example-parcel.test"
    batch_size = 1
    rate_limit = 2.0
    credential_fields: ClassVar[Mapping[str, str]] = {"api_key": "API key"}
    #: A prefix plus a check digit: strong evidence, so detection proposes it with confidence.
    number_formats: ClassVar[tuple[NumberFormat, ...]] = (
        NumberFormat("EX + 9 digits", re.compile(r"EX[0-9]{9}"), 0.95, check=valid_number),
    )

    async def track(self, numbers: Sequence[str]) -> list[TrackingResult]:
        return list(await asyncio.gather(*(self._track_one(n) for n in numbers)))

    async def _track_one(self, number: str) -> TrackingResult:
        response = await self.send(
            "GET",
            f"{self.base_url}/v1/parcels/{quote(number, safe='')}",
            headers={"X-Api-Key": self.credentials.get("api_key", "")},
        )
        if response.status_code == 404:
            return TrackingResult(number=number, not_found=True)
        if response.status_code in (401, 403):
            raise AuthError(f"example: HTTP {response.status_code}")
        if response.status_code != 200:
            raise BadResponse(f"example: HTTP {response.status_code}", response.content)
        return parse_parcel(self.json_body(response), number)
