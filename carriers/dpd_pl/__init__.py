"""DPD Polska through DPD Info Services (SOAP): HTTP only here; zeep's side lives in
:mod:`carriers.dpd_pl.soap`, the events are read by :mod:`carriers.dpd_pl.parse` and mapped
by :mod:`carriers.dpd_pl.codes`.

Documentation: DPD Polska's "DPD Info Services" developer documentation, handed out with
API access (DPD Polska's integration pages, https://www.dpd.com.pl/ → "Integracja /
API"; the documentation portal needs a DPD login). DPD Polska's REST "DPD Services" API
carries shipments and labels only: tracking is offered by DPD Info Services alone, as a
SOAP web service. The WSDL and XSD shipped in ``wsdl/`` are reconstructed from that
documentation and from public copies of the published schema (JAXB classes and clients
generated from ``…/DPDInfoServicesObjEvents?wsdl`` in open-source DPD Polska
integrations); they are loaded from disk and never fetched.

- Operation: ``getEventsForWaybillV1(waybill, eventsSelectType=ALL, language,
  authDataV1{channel, login, password})`` on the object (uncoded) events interface,
  ``https://dpdinfoservices.dpd.com.pl/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents``.
  One waybill per call; answers ``customerEventsResponseV3`` (``eventsList``, newest first).
- Credentials: the DPD Info Services login and password DPD Polska issues (the same as
  for DPD Services); ``channel`` is optional for the per-waybill call.
- Errors arrive as SOAP faults, with HTTP 500: ``Login failed``, ``AuthData is null``,
  ``…no privileges…`` and ``Access denied…`` are :class:`AuthError`; other faults are
  :class:`BadResponse`. A waybill DPD does not know answers with no events: ``not_found``.
- Rate: DPD publishes no limit; kept modest.
- Push: none for tracking (``getEventsForCustomer`` is a pull queue of an account's own
  parcels), so Doorstep polls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

import httpx

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    TrackingResult,
)
from carriers.checkdigits import iso7064_mod37_36_check
from carriers.concurrency import map_bounded
from carriers.dpd_pl import parse

SERVICE_PATH = "/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents"

#: The element a real answer's body holds (any namespace prefix).
RESPONSE_ELEMENT = b"getEventsForWaybillV1Response"


class DPDPolandAdapter(CarrierAdapter):
    """Tracks DPD Polska parcels through DPD Info Services (``getEventsForWaybillV1``)."""

    key = "dpd_pl"
    display_name = "DPD Polska"
    tracking_url = "https://tracktrace.dpd.com.pl/parcelDetails?typ=1&p1={number}"
    default_base_url = "https://dpdinfoservices.dpd.com.pl"
    batch_size = 1
    #: DPD publishes no figure; kept modest.
    rate_limit = 2.0
    supports_push = False
    credential_fields: ClassVar[dict[str, str]] = {
        "login": "DPD Info Services login",
        "password": "Password",
        "channel": "Channel (optional)",
    }
    #: - DPD parcel number: depot (4) + serial (10) + the ISO 7064 Mod 37,36 check
    #:   character DPD prints after it (DPD Parcel Label Specification); DPD-wide.
    #: - DPD Polska waybill: 13 digits and the letter ``U`` as DPD Polska prints them
    #:   (``1000123456789U``); the ``U`` is a fixed letter, not a check character.
    #: - The bare 14-digit parcel number, as often pasted without its check character.
    number_formats = (
        NumberFormat(
            "DPD parcel number with check character",
            re.compile(r"\d{14}[0-9A-Z]"),
            0.8,
            check=lambda n: iso7064_mod37_36_check(n[:14]) == n[14],
        ),
        NumberFormat("DPD Polska waybill (13 digits + U)", re.compile(r"\d{13}U"), 0.6),
        NumberFormat("DPD parcel number (14 digits)", re.compile(r"\d{14}"), 0.2),
    )
    #: Waybills asked at once for one ``track()``.
    concurrency: ClassVar[int] = 2
    language: ClassVar[str] = "EN"

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One SOAP call per waybill, at most :attr:`concurrency` at a time, in order."""
        if not numbers:
            return []
        auth = self._auth_data()
        from carriers.dpd_pl import soap  # zeep and lxml, only once tracking starts

        service = soap.EventsService(
            f"{self.base_url}{SERVICE_PATH}",
            self.client,
            timeout=self.timeout,
            check=self.check_answer,
        )

        async def one(number: str) -> TrackingResult:
            answer = await service.events_for_waybill(number.strip(), self.language, auth)
            result = parse.parse_events(answer, number)
            result.carrier_url = self.public_url(number)
            return result

        return await map_bounded(one, numbers, limit=self.concurrency)

    def _auth_data(self) -> dict[str, str | None]:
        login, password = self.credentials.get("login", ""), self.credentials.get("password", "")
        if not login or not password:
            raise AuthError("dpd_pl: login and password are required")
        channel = self.credentials.get("channel") or None  # left out when not given
        return {"channel": channel, "login": login, "password": password}

    def check_answer(self, response: httpx.Response) -> None:
        """Refuse what zeep would misread; the shared SOAP rules (:mod:`carriers.soap`) have
        already turned timeouts, 401/403, 429, 503 with ``Retry-After`` and a 5xx without a
        SOAP fault into typed errors, and a fault (HTTP 500) goes on to zeep.
        """
        status = response.status_code
        if status not in (200, 500):
            raise BadResponse(f"dpd_pl: unexpected HTTP {status}", response.content)
        body = response.content
        if status == 200 and RESPONSE_ELEMENT not in body and b"Fault>" not in body:
            # zeep reads a body without the expected element as an empty answer, which
            # would pass for "no such waybill". (A fault sent with 200 goes on to zeep.)
            raise BadResponse("dpd_pl: not a getEventsForWaybillV1 answer", response.content)
