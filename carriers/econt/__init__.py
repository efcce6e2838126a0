"""Econt Express (Bulgaria) through its JSON API: HTTP only; payloads in :mod:`.parse`.

Documentation: https://ee.econt.com/services/ (the Shipments service,
https://ee.econt.com/services/Shipments/, and Nomenclatures,
https://ee.econt.com/services/Nomenclatures/; OpenAPI at
https://ee.econt.com/services/openapi.yaml). Every request is a ``POST`` of JSON to
``{base}/{Service}.{method}.json`` with the account's user and password as HTTP Basic
authentication; the demo system is ``https://demo.econt.com/ee/services``.

* ``Shipments/ShipmentService.getShipmentStatuses.json`` takes ``{"shipmentNumbers":
  [...]}`` and answers one entry per number, in order; an entry with an ``error`` and no
  status is ``not_found``. Econt documents no limit on the list; batches of 20 keep each
  answer small. A 401 or 403 is :class:`AuthError`.
* Econt takes no language parameter: every text comes in Bulgarian and in English
  (``destinationDetails`` / ``destinationDetailsEn``…), so the adapter picks the
  customer's language (a hint), Bulgarian when it is neither.
* A parcel waiting at the receiver's office or Econtomat is looked up with
  ``Nomenclatures/NomenclaturesService.getOffices.json`` (``{"officeCode": ...}``) for
  its address, coordinates and whether it is a locker (``isAPS``); a lookup that answers
  nothing usable keeps the office as the status names it.

Econt publishes no rate limit; ``rate_limit`` is kept modest. Push: Econt's JSON API offers
no tracking webhooks, so this adapter polls.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    Status,
    TrackingResult,
)
from carriers.concurrency import map_bounded
from carriers.econt import parse
from carriers.parsing import squash

log = logging.getLogger(__name__)

STATUSES = "/Shipments/ShipmentService.getShipmentStatuses.json"
OFFICES = "/Nomenclatures/NomenclaturesService.getOffices.json"


class EcontAdapter(CarrierAdapter):
    """Tracks Econt shipments (to a door, an office or an Econtomat) in Bulgarian or English."""

    key = "econt"
    display_name = "Econt Express"
    local_names = {"bg": "Еконт"}
    tracking_url = "https://www.econt.com/services/track-shipment/{number}"
    default_base_url = "https://ee.econt.com/services"
    #: Econt documents no limit on ``shipmentNumbers``; kept small.
    batch_size = 20
    #: Econt publishes no figure; kept modest.
    rate_limit = 3.0
    supports_push = False
    accepts_hints = True
    answer_languages = frozenset({"bg", "en"})
    #: The language Econt's texts are written in first.
    default_language: ClassVar[str] = "bg"
    credential_fields: ClassVar[dict[str, str]] = {
        "username": "Econt e-services user name",
        "password": "Econt e-services password",
    }
    #: Econt shipment numbers are 13 digits (``1051234567890``); no documented check digit,
    #: and 13 bare digits are common, so a match proves little.
    number_formats = (NumberFormat("Econt shipment number", re.compile(r"[0-9]{13}"), 0.3),)
    concurrency: ClassVar[int] = 2

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One result per number, in order; each worded in its customer's language."""
        hints = hints or {}
        english = [
            (self.language_for(hints.get(number)) or self.default_language) == "en"
            for number in numbers
        ]
        size = max(1, self.batch_size)
        jobs = [
            (list(numbers[at : at + size]), english[at : at + size])
            for at in range(0, len(numbers), size)
        ]
        batches = await map_bounded(self._track_batch, jobs, limit=self.concurrency)
        return [result for batch in batches for result in batch]

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        auth = (self.credentials.get("username", ""), self.credentials.get("password", ""))
        response = await self.send(
            "POST",
            f"{self.base_url}{path}",
            json=body,
            auth=auth,
            headers={"Accept": "application/json"},
        )
        if response.status_code in (401, 403):
            raise AuthError(f"econt: credentials refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(
                f"econt: {path} answered HTTP {response.status_code} "
                f"({parse.error_text(_maybe_json(response))})",
                response.content,
            )
        return response

    async def _track_batch(self, job: tuple[list[str], list[bool]]) -> list[TrackingResult]:
        numbers, english = job
        response = await self._post(STATUSES, {"shipmentNumbers": [squash(n) for n in numbers]})
        doc = self.json_body(response)
        # Texts are picked per number below; parse once per language actually asked for.
        parsed = {
            flag: parse.parse_statuses(doc, flag) for flag in sorted(set(english), reverse=True)
        }
        results = []
        for number, flag in zip(numbers, english, strict=True):
            found = _match(parsed[flag], number)
            result = copy.copy(found) if found else TrackingResult(number=number, not_found=True)
            result.number = number
            result.carrier_url = self.public_url(squash(number))
            results.append(result)
            if result.status is Status.AVAILABLE_FOR_PICKUP and result.pickup_point:
                await self._look_up_office(result, flag)
        return results

    async def _look_up_office(self, result: TrackingResult, english: bool) -> None:
        """Replace a waiting parcel's pickup point by its office's full details."""
        seen = result.pickup_point
        if seen is None or not seen.point_id.isdigit():
            return
        try:
            response = await self._post(OFFICES, {"officeCode": seen.point_id})
            office = parse.parse_office(self.json_body(response), english, seen)
        except BadResponse as exc:  # the status stands; only the office's details are lost
            log.warning("econt: office %s lookup failed: %s", seen.point_id, exc)
            return
        if office is not None:
            result.pickup_point = office


def _match(entries: list[TrackingResult | None], number: str) -> TrackingResult | None:
    """The entry Econt answered for ``number`` (by its ``shipmentNumber``), if any."""
    wanted = squash(number)
    return next((e for e in entries if e is not None and squash(e.number) == wanted), None)


def _maybe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
