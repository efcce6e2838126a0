"""The adapter of Speedy's REST JSON API platform: HTTP only; payloads in :mod:`.parse`.

Speedy (https://api.speedy.bg/web-api.html, base ``https://api.speedy.bg/v1``) and DPD
Romania (https://api.dpd.ro/web-api.html, base ``https://api.dpd.ro/v1``) run the same
platform: the same methods, request and answer shapes, appendices of codes and errors.
:class:`SpeedyPlatformAdapter` is the one client; :class:`carriers.speedy.SpeedyAdapter`
and :class:`carriers.dpd_ro.DPDRomaniaAdapter` only set what differs (key, names,
public tracking page, base URL, languages, home country).

* Every call is a ``POST`` with the account's ``userName`` and ``password`` in the JSON
  body (no token, no session) and ``language``: the carrier's own (``BG`` for Speedy,
  ``RO`` for DPD Romania) or ``EN``; the platform words its operation descriptions,
  office names and errors in that language. Numbers are grouped by the customer's
  language (a hint) and asked in it, the carrier's own when it is neither.
* ``POST {base}/track`` takes up to 10 ``parcels`` (``[{"id": ...}]``) per call and answers
  one ``TrackedParcel`` each; an entry with an ``error`` and no operations is
  ``not_found``. The platform returns a call's failure as the answer's ``error``: one
  about the user or password (or an HTTP 401/403) is :class:`AuthError`, any other a
  :class:`BadResponse`.
* A parcel waiting at an office or locker (Speedy's APT, DPD Romania's DPDBox; operation
  ``134``/``1134``) is looked up: ``POST /shipment/info`` gives its
  ``recipient.pickupOfficeId`` and ``POST /location/office/{id}`` the office's address,
  coordinates, type and working hours. A lookup that answers nothing usable keeps the
  place as the track answer names it.

Neither carrier publishes a rate limit; ``rate_limit`` is kept modest. Push: the platform
offers no webhooks (its "bulk tracking data files" are polled files), so these adapters poll.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberHint,
    PickupPoint,
    Status,
    TrackingResult,
)
from carriers.concurrency import map_bounded
from carriers.parsing import squash
from carriers.speedy import parse

log = logging.getLogger(__name__)


class SpeedyPlatformAdapter(CarrierAdapter):
    """Tracks shipments and parcels of a carrier on Speedy's platform, ten per ``/track``
    call, in the carrier's language or English. Subclasses set the metadata."""

    #: "Allowed are up to 10 parcels" (TrackRequest.parcels).
    batch_size = 10
    #: Neither carrier publishes a figure; kept modest.
    rate_limit = 3.0
    supports_push = False
    accepts_hints = True
    #: The carrier's own language, asked when the customer's is not one it answers in.
    default_language: ClassVar[str]
    #: ISO country of the carrier: naive datetimes are read in its zone.
    home_country: ClassVar[str]
    credential_fields: ClassVar[dict[str, str]] = {
        "username": "API user name",
        "password": "API password",
    }
    #: ``/track`` calls in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 2

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One result per number, in order: batches of ten, one language per batch."""
        hints = hints or {}
        groups: dict[str, list[int]] = {}
        for index, number in enumerate(numbers):
            language = self.language_for(hints.get(number)) or self.default_language
            groups.setdefault(language, []).append(index)
        size = max(1, self.batch_size)
        jobs = [
            (language, [numbers[i] for i in indices[at : at + size]], indices[at : at + size])
            for language, indices in groups.items()
            for at in range(0, len(indices), size)
        ]
        answers = await map_bounded(self._track_batch, jobs, limit=self.concurrency)
        results: list[TrackingResult | None] = [None] * len(numbers)
        for (_, _, chunk), batch in zip(jobs, answers, strict=True):
            for index, result in zip(chunk, batch, strict=True):
                results[index] = result
        return [result for result in results if result is not None]

    def _login(self, language: str) -> dict[str, Any]:
        return {
            "userName": self.credentials.get("username", ""),
            "password": self.credentials.get("password", ""),
            "language": language.upper(),
        }

    async def _call(self, path: str, body: dict[str, Any]) -> Any:
        """POST ``body`` to ``path``; the decoded answer, its whole-call error raised."""
        response = await self.send(
            "POST", f"{self.base_url}{path}", json=body, headers={"Accept": "application/json"}
        )
        if response.status_code in (401, 403):
            raise AuthError(f"{self.key}: credentials refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(
                f"{self.key}: unexpected HTTP {response.status_code}", response.content
            )
        doc = self.json_body(response)
        error = parse.top_error(doc)
        if error is not None:
            if parse.is_auth_error(error):
                raise AuthError(f"{self.key}: credentials refused ({parse.error_text(error)})")
            raise BadResponse(
                f"{self.key}: {path} refused: {parse.error_text(error)}", response.content
            )
        return doc

    async def _track_batch(self, job: tuple[str, list[str], list[int]]) -> list[TrackingResult]:
        language, numbers, _ = job
        body = {**self._login(language), "parcels": [{"id": squash(n)} for n in numbers]}
        found = {
            squash(r.number): r
            for r in parse.parse_track(await self._call("/track", body), self.home_country)
        }
        results = []
        for number in numbers:
            known = found.get(squash(number))
            result = copy.copy(known) if known else TrackingResult(number=number, not_found=True)
            result.number = number
            result.carrier_url = self.public_url(squash(number))
            results.append(result)
        waiting = [r for r in results if r.status is Status.AVAILABLE_FOR_PICKUP and r.pickup_point]
        if waiting:
            await self._look_up_offices(language, waiting)
        return results

    async def _look_up_offices(self, language: str, waiting: list[TrackingResult]) -> None:
        """Replace the waiting parcels' pickup points by their offices' full details."""
        body = {**self._login(language), "shipmentIds": [squash(r.number) for r in waiting]}
        try:
            office_of = parse.pickup_offices(await self._call("/shipment/info", body))
            offices: dict[str, PickupPoint | None] = {}
            for result in waiting:
                office_id = office_of.get(squash(result.number))
                if office_id is None or result.pickup_point is None:
                    continue
                if office_id not in offices:
                    path = f"/location/office/{quote(office_id, safe='')}"
                    doc = await self._call(path, self._login(language))
                    offices[office_id] = parse.parse_office(
                        doc, result.pickup_point, self.home_country
                    )
                if (point := offices[office_id]) is not None:
                    result.pickup_point = point
        except BadResponse as exc:  # the track answer stands; only the office's details are lost
            log.warning("%s: pickup office lookup failed: %s", self.key, exc)
