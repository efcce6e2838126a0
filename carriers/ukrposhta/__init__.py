"""Ukrposhta (Укрпошта, Ukraine's national post) through its Status tracking API: HTTP
only; answers are read by :mod:`carriers.ukrposhta.parse`, codes by
:mod:`carriers.ukrposhta.codes`.

Documentation: https://dev.ukrposhta.ua/documentation ("Status tracking API", base
``https://www.ukrposhta.ua/status-tracking/0.0.1``; sources in
tests/fixtures/ukrposhta/SOURCE.md).

* Every call carries ``Authorization: Bearer <token>``: the StatusTracking key Ukrposhta's
  manager issues with the contract (not the eCom one). 401 or 403 is a refused key.
* ``POST /statuses/with-not-found`` takes a JSON list of up to 50 barcodes and answers
  every event of each found barcode plus the list of those not found, so one unknown
  barcode never spoils the batch (the plain ``POST /statuses/last`` takes 100 but gives
  only the last event).
* Language: the answer is Ukrainian unless ``?lang=en`` is added; a batch is split by the
  customers' languages (``uk`` or ``en``, :attr:`answer_languages`).
* Limits: Ukrposhta publishes no rate limit; two calls a second per account, and 429 or
  503 with Retry-After become :class:`~carriers.base.RateLimited` like every adapter's.
* Push: none; this adapter polls.
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
from carriers.concurrency import map_bounded
from carriers.parsing import squash
from carriers.ukrposhta import parse

#: The path of the batch call, under the API root.
STATUSES = "/statuses/with-not-found"


class UkrposhtaAdapter(CarrierAdapter):
    """Ukrposhta letters and parcels: domestic barcodes and S10 numbers ending in UA."""

    key = "ukrposhta"
    display_name = "Ukrposhta"
    local_names = {"uk": "Укрпошта", "ru": "Укрпочта"}
    tracking_url = "https://track.ukrposhta.ua/tracking_UA.html?barcode={number}"
    default_base_url = "https://www.ukrposhta.ua/status-tracking/0.0.1"
    batch_size = 50
    #: Ukrposhta publishes no figure; kept modest.
    rate_limit = 2.0
    supports_push = False
    accepts_hints = True
    answer_languages = frozenset({"uk", "en"})
    credential_fields: ClassVar[dict[str, str]] = {
        "api_token": "StatusTracking bearer token (from your Ukrposhta manager)",
    }
    postal_countries = frozenset({"UA"})
    #: Domestic barcodes are 13 digits (ukrposhta.ua: "Ідентифікатор внутрішнього
    #: поштового відправлення складається з 13 цифр"). No check digit is documented and
    #: Econt and FAN Courier use 13 digits too, so a match proves little.
    number_formats = (NumberFormat("Ukrposhta domestic barcode", re.compile(r"[0-9]{13}"), 0.25),)
    #: Batches in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 2

    def _token(self) -> str:
        token = self.credentials.get("api_token", "")
        if not token:
            raise AuthError("ukrposhta: api_token is required")
        return token

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """Up to 50 barcodes per call, grouped by answer language; results in order."""
        if not numbers:
            return []
        self._token()
        hints = hints or {}
        by_language: dict[str | None, list[str]] = {}
        for number in numbers:
            language = self.language_for(hints.get(number))
            by_language.setdefault(None if language == "uk" else language, []).append(number)
        jobs = [
            (language, group[at : at + self.batch_size])
            for language, group in by_language.items()
            for at in range(0, len(group), self.batch_size)
        ]
        answered = await map_bounded(self._track_batch, jobs, limit=self.concurrency)
        found = {number: result for batch in answered for number, result in batch}
        return [found[number] for number in numbers]

    async def _track_batch(
        self, job: tuple[str | None, list[str]]
    ) -> list[tuple[str, TrackingResult]]:
        language, numbers = job
        response = await self.send(
            "POST",
            f"{self.base_url}{STATUSES}",
            params={"lang": language} if language else None,
            json=[squash(number) for number in numbers],
            headers={"Authorization": f"Bearer {self._token()}", "Accept": "application/json"},
        )
        if response.status_code in (401, 403):
            raise AuthError(f"ukrposhta: token refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(
                f"ukrposhta: unexpected HTTP {response.status_code}", response.content
            )
        events, _missing = parse.split_batch(self.json_body(response))
        results = []
        for number in numbers:
            wanted = squash(number)
            raw = events.get(wanted)
            if raw:
                result = parse.parse_events(number, raw)
            else:  # in notFound, or (the same to us) left out of the answer
                result = TrackingResult(number=number, not_found=True)
            result.number = number
            result.carrier_url = self.public_url(wanted)
            results.append((number, result))
        return results
