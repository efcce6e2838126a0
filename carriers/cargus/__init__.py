"""Cargus (Urgent Cargus, Romania) through its REST API: HTTP and login only.

Documentation: Cargus API documentation V3 (version 3.1.7), given to subscribers of the
``UrgentOnlineAPI`` product at https://urgentcargus.portal.azure-api.net/: section 3.1
(``LoginUser``: a token valid 24 hours), 7 (``PUDO_Get``, the Ship & Go points) and 9.10
(``AwbTrace/WithRedirect``, whose ``barCode`` is a JSON list of AWBs). It is not public;
the setup notes and client of Cargus's own PrestaShop module,
https://github.com/cargus-ecomm/Prestashop (README, ``cargus.class.php``,
``views/templates/admin/awb_trace_history.tpl``), show the same headers, login body and
``Event`` list.

* Every call carries ``Ocp-Apim-Subscription-Key`` (the API portal's Primary key); every
  call but ``POST /LoginUser`` (``{"UserName", "Password"}``) also ``Authorization: Bearer``.
  The token is cached per (API root, user) and fetched again after a 401, once.
* ``GET /AwbTrace/WithRedirect?barCode=["…","…"]`` traces several AWBs, following
  redirections; an AWB missing from the answer (or a 204) is ``not_found``, and a
  400/404 error for a batch is asked again number by number.

Ship & Go points: the trace names only the event's locality, so the pickup point holds that
(see :func:`carriers.cargus.parse._pickup_point`). Cargus offers no push for tracking.
"""

from __future__ import annotations

import json
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
from carriers.cargus import parse
from carriers.login import LoginAdapter
from carriers.parsing import squash

#: Tokens per (base_url, user), shared by every CargusAdapter in the process.
TOKENS = TokenCache()


class CargusAdapter(LoginAdapter):
    """Tracks Cargus AWBs (and Ship & Go deliveries) through ``AwbTrace/WithRedirect``."""

    key = "cargus"
    display_name = "Cargus"
    tracking_url = "https://www.cargus.ro/personal/urmareste-coletul/?tracking_number={number}"
    default_base_url = "https://urgentcargus.azure-api.net/api"
    batch_size = 50
    #: Cargus publishes no limit for its API subscriptions; kept modest.
    rate_limit = 2.0
    supports_push = False
    credential_fields: ClassVar[dict[str, str]] = {
        "subscription_key": "API subscription key (Primary key)",
        "username": "WebExpress user",
        "password": "WebExpress password",
    }
    #: Cargus AWBs are bare runs of 9 to 11 digits without a check digit, lengths DHL
    #: Express and others also use: a weak hint.
    number_formats = (NumberFormat("Cargus AWB", re.compile(r"\d{9,11}"), 0.2),)
    tokens = TOKENS

    def _subscription_key(self) -> str:
        key = self.credentials.get("subscription_key", "")
        if not key:
            raise AuthError("cargus: subscription_key is required")
        return key

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One trace call per batch, in order; results in the order asked."""
        if numbers:
            self._subscription_key()
        results: list[TrackingResult] = []
        for batch in self.batches(numbers):
            results.extend(await self._track_batch(batch))
        return results

    async def _track_batch(self, numbers: list[str]) -> list[TrackingResult]:
        codes = json.dumps([squash(number) for number in numbers])
        response = await self.authorized(
            "GET", f"{self.base_url}/AwbTrace/WithRedirect", params={"barCode": codes}
        )
        if response.status_code == 403:
            raise AuthError("cargus: access refused (HTTP 403)")
        if response.status_code in (400, 404):
            if not parse.is_error(self.json_body(response)):
                raise BadResponse(
                    f"cargus: HTTP {response.status_code} without an error body",
                    response.content,
                )
            if len(numbers) > 1:  # the error does not say which AWB: ask one by one
                return [result for n in numbers for result in await self._track_batch([n])]
            return [self._not_found(numbers[0])]
        if response.status_code == 204:
            found: dict[str, TrackingResult] = {}
        elif response.status_code == 200:
            found = parse.parse_trace(self.json_body(response))
        else:
            raise BadResponse(f"cargus: unexpected HTTP {response.status_code}", response.content)
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

    def bearer_headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Ocp-Apim-Subscription-Key": self._subscription_key(),
            "Accept": "application/json",
        }

    async def fetch_token(self) -> tuple[str, float]:
        username, password = self.login_credentials()
        response = await self.send(
            "POST",
            f"{self.base_url}/LoginUser",
            json={"UserName": username, "Password": password},
            headers={
                "Ocp-Apim-Subscription-Key": self._subscription_key(),
                "Accept": "application/json",
            },
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(f"cargus: LoginUser refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(f"cargus: LoginUser HTTP {response.status_code}", response.content)
        return parse.parse_token(self.json_body(response))
