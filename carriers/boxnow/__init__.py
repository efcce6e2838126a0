"""BOX NOW parcel lockers (Greece, Cyprus, Bulgaria, Croatia) through the Partner API:
HTTP and OAuth only; payloads are read by :mod:`carriers.boxnow.parse`.

Documentation: BOX NOW's "Partner API" OpenAPI document (version 1.65, 2024-09-26), given
to partners at onboarding; a copy is public at
https://github.com/m-michalis/boxnow-php/blob/master/partner_api_1.65.yaml.

- Auth: OAuth 2 client credentials. ``POST /api/v1/auth-sessions`` with the JSON body
  ``{"grant_type": "client_credentials", "client_id", "client_secret"}`` answers
  ``{"access_token", "token_type": "Bearer", "expires_in": 3600}``; tokens are cached per
  (API root, client id) and a 401 fetches a new one once.
- Tracking: ``GET /api/v1/parcels?parcelId=<id>`` lists the parcel (one id per call: the
  filter takes one). An empty ``data`` list is ``not_found``, and so are a 400 error body
  (a parcel id BOX NOW cannot read) and 403 ``P414`` ("parcels that don't belong to you":
  for this shop, no such parcel). Any other 403 (``X403``, account disabled) is an
  :class:`AuthError`; 503 (``P600``/``P610``) is :class:`CarrierUnavailable`.
- Accounts linked to several partners send ``X-PartnerID`` (error ``P440`` otherwise):
  the optional ``partner_id`` credential.
- API roots differ by country and environment (BOX NOW gives each partner its
  ``API_URL``); production Greece is the default, others go in the account's base URL.
- Every parcel goes to a locker (APM): the delivery request's ``destination`` names it
  (``locationId``, name, address, postcode, country), which fills the pickup point. The
  parcel answer carries no coordinates, opening hours or deadline; the PIN that opens the
  locker comes only in webhooks (``parcelPin``).
- Push: webhooks (``gr.boxnow.parcel_event_change``, CloudEvents 1.0) set up in the
  partner portal. Each carries ``datasignature``, "HMAC SHA256 digest of data"; the
  document does not say with which key or in which encoding. This adapter checks the
  lower-case hex HMAC-SHA256 of the ``data`` member exactly as sent, keyed with the
  account's ``webhook_secret``, as public integrations do; see docs/carriers.md.
- No language parameter: parcels and events are codes, not texts.
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
from carriers.boxnow import parse
from carriers.concurrency import map_bounded
from carriers.oauth import OAuthAdapter
from carriers.parsing import JsonReader, squash

#: OAuth tokens per (base_url, client_id), shared by every BoxNowAdapter in the process.
TOKENS = TokenCache()
_token_reader = JsonReader("boxnow: token response")


class BoxNowAdapter(OAuthAdapter):
    """Tracks BOX NOW locker parcels through ``/api/v1/parcels``; accepts its webhooks."""

    key = "boxnow"
    display_name = "BOX NOW"
    tracking_url = "https://t.boxnow.gr/?track={number}"
    default_base_url = "https://api-production.boxnow.gr"
    batch_size = 1
    #: BOX NOW publishes no rate; kept modest.
    rate_limit = 4.0
    supports_push = True
    credential_fields: ClassVar[dict[str, str]] = {
        "client_id": "OAuth client ID (from BOX NOW support)",
        "client_secret": "OAuth client secret",
        "partner_id": "Partner ID (only for accounts managing several partners)",
        "webhook_secret": "Webhook secret (signs datasignature)",
    }
    #: Parcel ids are ten digits (``6423451087``); BOX NOW documents no check digit.
    number_formats = (NumberFormat("BOX NOW parcel id", re.compile(r"\d{10}"), 0.25),)
    tokens = TOKENS
    #: Parcel calls in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 4

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One parcels call per id, a few at once; results in order."""
        if numbers:
            self.client_credentials()  # AuthError before any call when missing
        return await map_bounded(self._track_one, numbers, limit=self.concurrency)

    async def _track_one(self, number: str) -> TrackingResult:
        wanted = squash(number)
        response = await self.authorized(
            "GET", f"{self.base_url}/api/v1/parcels", params={"parcelId": wanted}
        )
        if response.status_code in (400, 403):
            code = parse.error_code(self.json_body(response))
            if code is None:
                raise BadResponse(
                    f"boxnow: HTTP {response.status_code} without an error code",
                    response.content,
                )
            if response.status_code == 403 and code != "P414":
                raise AuthError(f"boxnow: access refused ({code})")
            return self._not_found(number)
        if response.status_code != 200:
            raise BadResponse(f"boxnow: unexpected HTTP {response.status_code}", response.content)
        found = [r for r in parse.parse_parcels(self.json_body(response)) if r.number == wanted]
        if not found:
            return self._not_found(number)
        result = found[0]
        result.number = number
        result.carrier_url = self.public_url(wanted)
        return result

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(
            number=number, not_found=True, carrier_url=self.public_url(squash(number))
        )

    # --- push ---

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """BOX NOW signs inside the body (``datasignature``), not in a header."""
        return parse.verify_signature(body, self.credentials.get("webhook_secret"))

    def parse_webhook(self, body: bytes) -> list[TrackingResult]:
        results = parse.parse_webhook(body)
        for result in results:
            result.carrier_url = self.public_url(result.number)
        return results

    # --- OAuth (the 401 retry is :meth:`OAuthAdapter.authorized`) ---

    def bearer_headers(self, token: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if partner := self.credentials.get("partner_id"):
            headers["X-PartnerID"] = partner
        return headers

    async def fetch_token(self) -> tuple[str, float]:
        return await self.request_token(
            "/api/v1/auth-sessions",
            _token_reader.token,
            json=self.client_credentials_grant(),
            headers={"Accept": "application/json"},
        )
