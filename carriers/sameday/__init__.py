"""Sameday (Romania, Bulgaria, Hungary) through its client API: HTTP and login only.

Documentation: Sameday hands its API reference to customers with their API account; it
is not public, so the evidence used here is Sameday's own PHP SDK, https://github.com/sameday-courier/php-sdk
(``SamedayClient.php``, ``Requests/SamedayAuthenticateRequest.php``,
``Requests/SamedayGetAwbStatusHistoryRequest.php`` and the documented answers in
``tests/Responses/``), which the official WooCommerce/Magento/PrestaShop plugins use.

* ``POST https://api.sameday.ro/api/authenticate`` with headers ``X-Auth-Username`` and
  ``X-Auth-Password`` (form body ``remember_me=1``) answers ``{"token", "expire_at"}``;
  the token goes in ``X-AUTH-TOKEN``. It is cached per (API root, user) until
  ``expire_at``; like the SDK, a 401 or 403 drops it and the call is tried once more.
* ``GET /api/client/awb/{awb}/status`` tracks one AWB: 404 (and a 400 error body, for a
  malformed number) are ``not_found``. Several AWBs are asked concurrently, a few at a time.

Easybox lockers: the status answer names the easybox only in ``transitLocation``; its id,
address, pickup deadline and opening code are not part of it (the code goes to the customer
by SMS and the Sameday app), so :attr:`TrackingResult.pickup_point` holds the name only.
Push: Sameday's status-sync and webhook features carry no documented signature, so this
adapter polls (``supports_push = False``).
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
from carriers.concurrency import map_bounded
from carriers.login import LoginAdapter
from carriers.parsing import squash
from carriers.sameday import parse

#: Tokens per (base_url, user), shared by every SamedayAdapter in the process.
TOKENS = TokenCache()


class SamedayAdapter(LoginAdapter):
    """Tracks Sameday courier and easybox AWBs through ``/api/client/awb/{awb}/status``."""

    key = "sameday"
    display_name = "Sameday"
    tracking_url = "https://sameday.ro/#awb={number}"
    default_base_url = "https://api.sameday.ro"
    batch_size = 1
    #: Sameday publishes no figure; kept modest.
    rate_limit = 4.0
    supports_push = False
    credential_fields: ClassVar[dict[str, str]] = {
        "username": "API user",
        "password": "API password",
    }
    #: AWBs are a short digit run, a few letters naming the client series (``SDY``, ``EMG``,
    #: ``ONB``…) and the serial: ``1SDY241067423``, ``4EMGLN159150598``,
    #: ``012EMGXL14752602``; a parcel of the AWB adds three digits (``…001``). No check digit.
    number_formats = (
        NumberFormat("Sameday AWB", re.compile(r"[0-9]{1,3}[A-Z]{2,6}[0-9]{7,14}"), 0.6),
    )
    tokens = TOKENS
    #: Like Sameday's SDK, a 403 (an expired token) also means "log in again".
    refresh_statuses = (401, 403)
    #: Status calls in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 4

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One status call per AWB, at most :attr:`concurrency` at once, results in order."""
        return await map_bounded(self._track_one, numbers, limit=self.concurrency)

    async def _track_one(self, number: str) -> TrackingResult:
        url = f"{self.base_url}/api/client/awb/{quote(squash(number), safe='')}/status"
        response = await self.authorized("GET", url)
        if response.status_code in (400, 404):
            if not parse.is_error(self.json_body(response)):
                raise BadResponse(
                    f"sameday: HTTP {response.status_code} without an error body",
                    response.content,
                )
            result = TrackingResult(number=number, not_found=True)
        elif response.status_code == 200:
            result = parse.parse_awb_status(self.json_body(response))
        else:
            raise BadResponse(f"sameday: unexpected HTTP {response.status_code}", response.content)
        result.number = number
        result.carrier_url = self.public_url(number)
        return result

    # --- login ---

    def bearer_headers(self, token: str) -> dict[str, str]:
        return {"X-AUTH-TOKEN": token, "Accept": "application/json"}

    async def fetch_token(self) -> tuple[str, float]:
        username, password = self.login_credentials()
        response = await self.send(
            "POST",
            f"{self.base_url}/api/authenticate",
            data={"remember_me": "1"},
            headers={
                "X-Auth-Username": username,
                "X-Auth-Password": password,
                "Accept": "application/json",
            },
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(f"sameday: authentication refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(
                f"sameday: authenticate HTTP {response.status_code}", response.content
            )
        return parse.parse_token(self.json_body(response), parse.utc_now())
