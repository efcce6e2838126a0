"""GLS Track And Trace V1 (GLS Group API platform): HTTP and OAuth only; payloads are read
by :mod:`carriers.gls.parse`.

Documentation: the GLS Developer Portal, https://dev-portal.gls-group.net/ — "Track And
Trace V1" (OpenAPI 1.0.7, servers ``https://api.gls-group.net/track-and-trace-v1/``) and
"Authentication API v2" (``https://api.gls-group.net/oauth2/v2/token``). The portal's
pages need JavaScript; the OpenAPI documents themselves are mirrored in karrio's GLS
connector (``modules/connectors/gls/vendor/ecitrackandtrace.yaml`` and
``authentification-service-v2.yaml``), which is what this adapter was checked against.

- Auth: OAuth 2 client credentials (``client_id``/``client_secret`` of an app made on the
  portal), sent as HTTP Basic with ``grant_type=client_credentials``; tokens last up to
  four hours and are cached per account. A 401 (Apigee ``steps.jwt.TokenExpired``)
  fetches a new token once.
- Call: ``GET /track-and-trace-v1/tracking/simple/trackids/{unitnos}`` with up to ten
  comma-separated parcel numbers, ``showLinks=true`` and ``Accept-Language: EN``.
- Unknown numbers come back inside a 200 as ``{"requested", "errorCode": "E_404_01"}``.
  A 400/404 problem body is about the call itself (more than ten numbers, a path GLS
  cannot route); a 404 problem body is read as "GLS knows none of these numbers", which
  is what a number with characters GLS cannot place produces.
- Quota: 500 requests a day per app by default (more on request to GLS). That is a
  daily budget, not a pace: :attr:`rate_limit` stays a modest per-second rate so that a
  sweep never sleeps minutes between calls, ten numbers per call stretch the budget to
  5,000 lookups, and a quota violation (429 ``policies.ratelimit.QuotaViolation``) is a
  :class:`~carriers.base.RateLimited` that makes the engine back off.
- Push: the T&T API offers none.
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
from carriers.gls import parse
from carriers.oauth import OAuthAdapter
from carriers.parsing import JsonReader

#: OAuth tokens per (base_url, client_id), shared by every GLSAdapter in the process.
TOKENS = TokenCache()

_token_reader = JsonReader("gls: token response")


class GLSAdapter(OAuthAdapter):
    """Tracks GLS parcels through the GLS Group Track And Trace V1 API."""

    key = "gls"
    display_name = "GLS"
    tracking_url = "https://gls-group.com/GROUP/en/parcel-tracking?match={number}"
    default_base_url = "https://api.gls-group.net"
    #: "a maximum limit of 10 parcel IDs per request".
    batch_size = 10
    #: GLS states a daily quota (500 requests), not a rate; see the module docstring.
    rate_limit = 1.0
    supports_push = False
    credential_fields: ClassVar[dict[str, str]] = {
        "client_id": "Client ID (GLS Developer Portal app)",
        "client_secret": "Client secret",
    }
    #: GLS parcel numbers are 11 or 12 digits ("Either use 11 or 12 digit parcel no").
    #: GLS documents no check digit (consecutive parcels of one shipment are consecutive
    #: 11-digit numbers), so a bare run of digits proves little.
    number_formats = (
        NumberFormat("GLS parcel number (11 digits)", re.compile(r"\d{11}"), 0.25),
        NumberFormat("GLS parcel number (12 digits)", re.compile(r"\d{12}"), 0.2),
    )
    tokens = TOKENS
    #: Batches in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 2
    language: ClassVar[str] = "EN"

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One call per ten numbers; results in the order asked."""
        if numbers:
            self.client_credentials()  # AuthError before any call when missing
        batches = await map_bounded(
            self._track_batch, self.batches(numbers), limit=self.concurrency
        )
        return [result for batch in batches for result in batch]

    async def _track_batch(self, numbers: list[str]) -> list[TrackingResult]:
        ids = ",".join(quote(number.strip(), safe="") for number in numbers)
        url = f"{self.base_url}/track-and-trace-v1/tracking/simple/trackids/{ids}"
        response = await self.authorized("GET", url, params={"showLinks": "true"})
        if response.status_code == 403:
            raise AuthError("gls: access refused (HTTP 403): is Track And Trace in the app?")
        if response.status_code == 404 and parse.is_problem(self.json_body(response)):
            return [self._not_found(number) for number in numbers]
        if response.status_code != 200:
            raise BadResponse(f"gls: unexpected HTTP {response.status_code}", response.content)
        found = parse.parse_parcels(self.json_body(response))
        results = []
        for number in numbers:
            result = parse.pick(found, number) or self._not_found(number)
            result.number = number  # as asked, whatever spacing GLS echoes
            result.carrier_url = self.public_url(number)
            results.append(result)
        return results

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(number=number, not_found=True, carrier_url=self.public_url(number))

    # --- OAuth (the 401 retry is :meth:`OAuthAdapter.authorized`) ---

    def bearer_headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Accept-Language": self.language,
        }

    async def fetch_token(self) -> tuple[str, float]:
        return await self.request_token(
            "/oauth2/v2/token",
            _token_reader.token,
            data={"grant_type": "client_credentials"},
            auth=self.client_credentials(),
            headers={"Accept": "application/json"},
        )
