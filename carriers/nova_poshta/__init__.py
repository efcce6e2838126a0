"""Nova Poshta (Ukraine) through its JSON API 2.0: HTTP only; answers are read by
:mod:`carriers.nova_poshta.parse`.

Documentation: https://developers.novaposhta.ua/ (model ``TrackingDocument``, method
``getStatusDocuments``; model ``AddressGeneral``, method ``getWarehouses``).

* Every call is ``POST https://api.novaposhta.ua/v2.0/json/`` with ``apiKey``,
  ``modelName``, ``calledMethod`` and ``methodProperties``; the answer is HTTP 200 with
  ``success`` and ``errors`` whatever happened, so a refused key is read from the body.
* ``getStatusDocuments`` takes up to 100 ``{"DocumentNumber", "Phone"}`` per call and
  returns the full details (recipient, branch, dates, storage deadline) only when the
  phone is the recipient's or sender's: the recipient's phone comes from the shop's
  :class:`~carriers.base.NumberHint` as ``380XXXXXXXXX``; without one the number is
  still tracked, with fewer details.
* The branch or Poshtomat a parcel goes to becomes the pickup point; its opening hours
  come from ``getWarehouses`` (the tracking answer has none), kept a week per process,
  warehouse and API key (:class:`~carriers.point_cache.PointCache`), at most
  :attr:`NovaPoshtaAdapter.lookups_per_batch` asked per batch. A lookup that
  fails is logged, leaves the branch without hours, never fails the tracking call and is
  tried again after a backoff; while a refresh fails the hours last found are kept.
* Language: the tracking method documents no language property and answers in
  Ukrainian, so :attr:`answer_languages` is empty and the customer's language is not sent.
* Push: Nova Poshta offers no tracking webhooks to API clients; this adapter polls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, ClassVar

from carriers.base import (
    NO_HINT,
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    PickupPoint,
    TrackingResult,
)
from carriers.concurrency import map_bounded
from carriers.nova_poshta import parse
from carriers.parsing import squash
from carriers.point_cache import PointCache, account_of

#: Warehouse details per (API root, warehouse ref, account), for this process.
WAREHOUSES: PointCache[parse.WarehouseDetails] = PointCache()


def recipient_phone(phone: str | None) -> str | None:
    """A phone as Nova Poshta expects it (``380XXXXXXXXX``), None when it is not Ukrainian.

    Accepts E.164 (``+380 50 123 45 67``) and the local forms ``0501234567`` and
    ``501234567``; any other country's number is of no use to Nova Poshta.
    """
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 12 and digits.startswith("380"):
        return digits
    if len(digits) == 10 and digits.startswith("0"):
        return "38" + digits
    if len(digits) == 9:
        return "380" + digits
    return None


class NovaPoshtaAdapter(CarrierAdapter):
    """Nova Poshta waybills (ТТН) through ``TrackingDocument.getStatusDocuments``."""

    key = "nova_poshta"
    display_name = "Nova Poshta"
    local_names = {"uk": "Нова Пошта", "ru": "Новая Почта"}
    tracking_url = "https://novaposhta.ua/tracking/?cargo_number={number}"
    default_base_url = "https://api.novaposhta.ua"
    batch_size = 100
    #: Nova Poshta publishes no figure; kept modest.
    rate_limit = 2.0
    supports_push = False
    accepts_hints = True
    credential_fields: ClassVar[dict[str, str]] = {"api_key": "API key (my.novaposhta.ua)"}
    #: Waybills (ТТН) are 14 digits starting 20 (business clients) or 59 (the site and
    #: app); public integrations also accept 14 digits starting 1 (older and service
    #: waybills). Nova Poshta documents no check digit, so a match proves only a little.
    number_formats = (
        NumberFormat("Nova Poshta waybill (ТТН)", re.compile(r"(?:20|59)[0-9]{12}"), 0.5),
        NumberFormat("Nova Poshta waybill starting 1", re.compile(r"1[0-9]{13}"), 0.3),
    )
    #: Batches in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 2
    #: Warehouses asked per batch at most (new ones, or ones due a refresh): a hundred
    #: parcels bound for a hundred branches must not become a burst of a hundred calls;
    #: the rest get their hours on a later poll, once these are cached.
    lookups_per_batch: ClassVar[int] = 10

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/v2.0/json/"

    def _api_key(self) -> str:
        api_key = self.credentials.get("api_key", "")
        if not api_key:
            raise AuthError("nova_poshta: api_key is required")
        return api_key

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One ``getStatusDocuments`` call per 100 numbers; results in the order asked."""
        if not numbers:
            return []
        self._api_key()
        hints = hints or {}
        batches = await map_bounded(
            lambda batch: self._track_batch(batch, hints),
            self.batches(numbers),
            limit=self.concurrency,
        )
        return [result for batch in batches for result in batch]

    async def call(self, model: str, method: str, properties: dict[str, Any]) -> list[Any]:
        """One API call; the ``data`` list of its answer, or a typed error."""
        response = await self.send(
            "POST",
            self.endpoint,
            json={
                "apiKey": self._api_key(),
                "modelName": model,
                "calledMethod": method,
                "methodProperties": properties,
            },
            headers={"Accept": "application/json"},
        )
        if response.status_code in (401, 403):
            raise AuthError(f"nova_poshta: HTTP {response.status_code}")
        if response.status_code != 200:
            raise BadResponse(
                f"nova_poshta: unexpected HTTP {response.status_code}", response.content
            )
        return parse.check_envelope(self.json_body(response))

    async def _track_batch(
        self, numbers: list[str], hints: Mapping[str, NumberHint]
    ) -> list[TrackingResult]:
        documents = []
        for number in numbers:
            document = {"DocumentNumber": squash(number)}
            phone = recipient_phone(hints.get(number, NO_HINT).phone)
            if phone:
                document["Phone"] = phone
            documents.append(document)
        data = await self.call("TrackingDocument", "getStatusDocuments", {"Documents": documents})
        found = parse.documents_by_number(data)
        results = []
        lookups = 0
        for number in numbers:
            raw = found.get(squash(number))
            result = parse.parse_document(raw) if raw is not None else None
            if result is None:
                result = TrackingResult(number=number, not_found=True)
            elif result.pickup_point is not None and raw is not None:
                branch = parse.branch_of(raw)
                details = None
                if branch is not None and branch.city_ref and branch.number:
                    key = (self.base_url, branch.ref, account_of(self._api_key()))
                    if WAREHOUSES.due(key) and lookups < self.lookups_per_batch:
                        lookups += 1
                        details = await WAREHOUSES.get(key, partial(self._warehouse, branch))
                    else:  # fresh, backing off, or its turn comes on a later poll
                        details = WAREHOUSES.last(key)
                if details is not None:
                    result.pickup_point = _with_details(result.pickup_point, details)
            result.number = number
            result.carrier_url = self.public_url(squash(number))
            results.append(result)
        return results

    async def _warehouse(self, branch: parse.Branch) -> parse.WarehouseDetails | None:
        """The branch's schedule and place from one ``getWarehouses`` call, for
        :data:`WAREHOUSES` to make when due; its typed errors are the cache's to log and
        back off (the hours are a detail: they never fail the tracking call)."""
        data = await self.call(
            "AddressGeneral",
            "getWarehouses",
            {"CityRef": branch.city_ref, "WarehouseId": branch.number},
        )
        return parse.parse_warehouse(data, branch)


def _with_details(point: PickupPoint, details: parse.WarehouseDetails) -> PickupPoint:
    return replace(
        point,
        opening_hours=details.opening_hours or point.opening_hours,
        latitude=details.latitude,
        longitude=details.longitude,
        postal_code=details.postal_code or point.postal_code,
    )


def clear_warehouse_cache() -> None:
    """Forget looked-up warehouses (tests start from an empty cache)."""
    WAREHOUSES.clear()
