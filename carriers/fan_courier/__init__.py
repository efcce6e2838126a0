"""FAN Courier (Romania) through its API v2: HTTP and login only; parsing in :mod:`.parse`.

Documentation: FAN Courier "Documentatie API v2.0" (August 2023, distributed to customers
as ``RO_FANCourier_API.2.0.210823.pdf`` and mirrored at
https://github.com/shusaura85/fancourier-api/files/14073012/RO_FANCourier_API.2.0.210823.pdf),
its authentication and AWB tracking sections, and the event list ``GET reports/awb-events``
answers. The public PHP client https://github.com/shusaura85/fancourier-api (``Auth.php``,
``Request/TrackAwb.php``, ``Objects/AwbTracker.php``) shows the same request and answer.

* ``POST https://api.fancourier.ro/login`` with the selfAWB ``username`` and ``password``
  answers a bearer token that lives 24 hours; it is cached per (API root, client id,
  user) and fetched again after a 401, once.
* ``GET /reports/awb/tracking?clientId=…&awb[]=…&awb[]=…&language=ro`` tracks several AWBs
  in one call. The documentation sets no maximum; :attr:`batch_size` keeps URLs short.
  A 422 (or 400) validation answer names no AWB, so a batch that gets one is asked again
  number by number and the refused number alone is ``not_found``.

FANbox lockers and partner shops: the report says where a parcel waits only through the
event's wording and ``location`` (see :func:`carriers.fan_courier.parse._pickup_point`).
FAN Courier offers no push for tracking.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from carriers.base import (
    AuthError,
    BadResponse,
    NumberFormat,
    NumberHint,
    TokenCache,
    TrackingResult,
)
from carriers.fan_courier import parse
from carriers.login import LoginAdapter
from carriers.parsing import squash

#: Login tokens per (base_url, client id, user), shared by every adapter in the process.
TOKENS = TokenCache()


class FanCourierAdapter(LoginAdapter):
    """Tracks FAN Courier AWBs (and FANbox locker deliveries) through API v2."""

    key = "fan_courier"
    display_name = "FAN Courier"
    tracking_url = "https://www.fancourier.ro/awb-tracking/?tracking={number}"
    default_base_url = "https://api.fancourier.ro"
    batch_size = 50
    #: FAN Courier publishes no limit; kept modest.
    rate_limit = 2.0
    supports_push = False
    credential_fields: ClassVar[dict[str, str]] = {
        "client_id": "Client ID (clientId)",
        "username": "selfAWB user",
        "password": "selfAWB password",
    }
    #: FAN Courier AWBs are 13 digits; the ones shops print start with 2 (7 for some
    #: accounts). Other Romanian carriers also issue 13-digit numbers: low confidence.
    number_formats = (NumberFormat("FAN Courier AWB", re.compile(r"[27]\d{12}"), 0.3),)
    tokens = TOKENS
    #: Asked in Romanian: the FANbox wording codes.py reads is FAN's own.
    language: ClassVar[str] = "ro"

    @property
    def token_key(self) -> tuple[str, str]:
        """One token per API root and (client id, user): a user may serve several clients."""
        account = f"{self.credentials.get('client_id', '')}/{self.credentials.get('username', '')}"
        return (self.base_url, account)

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One report call per batch, in order; results in the order asked."""
        if numbers and not self.credentials.get("client_id"):
            raise AuthError("fan_courier: client_id is required")
        results: list[TrackingResult] = []
        for batch in self.batches(numbers):
            results.extend(await self._track_batch(batch))
        return results

    async def _track_batch(self, numbers: list[str]) -> list[TrackingResult]:
        params = [("clientId", self.credentials["client_id"])]
        params += [("awb[]", number) for number in numbers]
        params.append(("language", self.language))
        response = await self.authorized(
            "GET", f"{self.base_url}/reports/awb/tracking", params=params
        )
        if response.status_code == 403:
            raise AuthError("fan_courier: access refused (HTTP 403)")
        if response.status_code in (400, 404, 422):
            if parse.error_message(self.json_body(response)) is None:
                raise BadResponse(
                    f"fan_courier: HTTP {response.status_code} without a message",
                    response.content,
                )
            if len(numbers) > 1:  # which number was refused is not said: ask one by one
                return [result for n in numbers for result in await self._track_batch([n])]
            return [self._not_found(numbers[0])]
        if response.status_code != 200:
            raise BadResponse(
                f"fan_courier: unexpected HTTP {response.status_code}", response.content
            )
        found = parse.parse_tracking(self.json_body(response))
        results = []
        for number in numbers:
            result = found.get(squash(number)) or self._not_found(number)
            result.number = number
            result.carrier_url = self.public_url(number)
            results.append(result)
        return results

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(number=number, not_found=True, carrier_url=self.public_url(number))

    # --- login (the 401 retry is LoginAdapter.authorized) ---

    async def fetch_token(self) -> tuple[str, float]:
        username, password = self.login_credentials()
        response = await self.send(
            "POST",
            f"{self.base_url}/login",
            data={"username": username, "password": password},
            headers={"Accept": "application/json"},
        )
        if response.status_code in (400, 401, 403, 422):
            raise AuthError(f"fan_courier: login refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(f"fan_courier: login HTTP {response.status_code}", response.content)
        doc = self.json_body(response)
        if isinstance(doc, dict) and doc.get("status") not in (None, "success"):
            raise AuthError(f"fan_courier: login refused ({parse.error_message(doc)})")
        return parse.parse_token(doc)
