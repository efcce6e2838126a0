"""DPD Polska through DPD Info Services (SOAP): HTTP and zeep only; the events are read by
:mod:`carriers.dpd_pl.parse` and mapped by :mod:`carriers.dpd_pl.codes`.

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

import logging
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import httpx
from zeep import AsyncClient, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport
from zeep.wsdl import Document

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    CarrierUnavailable,
    NumberFormat,
    RateLimited,
    TrackingResult,
    parse_retry_after,
)
from carriers.checkdigits import iso7064_mod37_36_check
from carriers.concurrency import map_bounded
from carriers.dpd_pl import parse

WSDL = Path(__file__).resolve().parent / "wsdl" / "DPDInfoServicesObjEvents.wsdl"
NAMESPACE = "http://events.dpdinfoservices.dpd.com.pl/"
BINDING = f"{{{NAMESPACE}}}DPDInfoServicesObjEventsPortBinding"
SERVICE_PATH = "/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents"

#: The element a real answer's body holds (any namespace prefix).
RESPONSE_ELEMENT = b"getEventsForWaybillV1Response"

#: Fault texts DPD Polska sends for missing, wrong or insufficient credentials.
AUTH_FAULTS = ("login failed", "authdata is null", "no privileges", "access denied")

_SETTINGS = Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True)


class _NoFetching(AsyncTransport):
    """zeep's httpx transport for loading: every document is on disk, nothing is fetched."""

    def __init__(self) -> None:  # not super(): that would open HTTP clients for nothing
        self._close_session = False
        self.cache = None
        self.logger = logging.getLogger(__name__)

    def _load_remote_data(self, url: str) -> bytes:
        raise BadResponse(f"dpd_pl: the shipped WSDL refers to {url}, which is never fetched")


@lru_cache(maxsize=1)
def wsdl_document() -> Document:
    """The shipped WSDL, parsed once per process."""
    # zeep annotates the transport as a class though it takes an instance.
    return Document(str(WSDL), _NoFetching(), settings=_SETTINGS)  # type: ignore[arg-type]


class _AdapterTransport(AsyncTransport):
    """zeep's httpx transport posting through the adapter's own client and error rules.

    ``AsyncTransport.__init__`` is not called: it would replace the headers of the
    shared client Doorstep owns.
    """

    def __init__(self, adapter: DPDPolandAdapter) -> None:
        self.adapter = adapter
        self.client = adapter.client
        self._close_session = False
        self.cache = None
        self.logger = logging.getLogger(__name__)

    def _load_remote_data(self, url: str) -> bytes:
        raise BadResponse(f"dpd_pl: the shipped WSDL refers to {url}, which is never fetched")

    async def post(self, address: str, message: Any, headers: Any) -> httpx.Response:
        return await self.adapter.post_soap(address, message, dict(headers))

    async def aclose(self) -> None:
        """Nothing to close: the client belongs to Doorstep, not to this transport."""


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

    async def track(self, numbers: Sequence[str]) -> list[TrackingResult]:
        """One SOAP call per waybill, at most :attr:`concurrency` at a time, in order."""
        if not numbers:
            return []
        auth = self._auth_data()
        # zeep ships without type hints, hence the two ignores below.
        client = AsyncClient(  # type: ignore[no-untyped-call]
            wsdl_document(), transport=_AdapterTransport(self), settings=_SETTINGS
        )
        service = AsyncServiceProxy(  # type: ignore[no-untyped-call]
            client, client.wsdl.bindings[BINDING], address=f"{self.base_url}{SERVICE_PATH}"
        )

        async def one(number: str) -> TrackingResult:
            answer = await self._call(service, number.strip(), auth)
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

    async def _call(self, service: Any, waybill: str, auth: Mapping[str, str | None]) -> Any:
        """The ``return`` of one ``getEventsForWaybillV1`` as plain dicts and lists."""
        try:
            answer = await service.getEventsForWaybillV1(
                waybill=waybill, eventsSelectType="ALL", language=self.language, authDataV1=auth
            )
        except Fault as fault:
            text = str(fault.message or "")
            if any(marker in text.lower() for marker in AUTH_FAULTS):
                raise AuthError(f"dpd_pl: credentials refused ({text})") from fault
            raise BadResponse(f"dpd_pl: SOAP fault: {text}", text) from fault
        except ZeepError as exc:  # not SOAP, not our schema, not XML at all
            raise BadResponse(f"dpd_pl: unreadable answer ({exc})") from exc
        return serialize_object(answer, dict)  # type: ignore[no-untyped-call]  # untyped zeep

    async def post_soap(
        self, address: str, message: bytes | str, headers: dict[str, str]
    ) -> httpx.Response:
        """POST an envelope zeep built; typed errors for everything that is not a SOAP reply.

        SOAP faults come with HTTP 500, so a 5xx carrying a fault is handed back to zeep,
        which raises :class:`zeep.exceptions.Fault`; any other 5xx is unavailability.
        """
        try:
            response = await self.client.post(
                address, content=message, headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            raise CarrierUnavailable("dpd_pl: timed out") from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"dpd_pl: {type(exc).__name__}") from exc
        status = response.status_code
        retry_after = response.headers.get("Retry-After")
        if status == 429 or (status == 503 and retry_after is not None):
            raise RateLimited("dpd_pl: rate limited", retry_after=parse_retry_after(retry_after))
        if status in (401, 403):
            raise AuthError(f"dpd_pl: access refused (HTTP {status})")
        if status >= 500 and b"Fault>" not in response.content:
            raise CarrierUnavailable(f"dpd_pl: HTTP {status}")
        if status not in (200, 500):
            raise BadResponse(f"dpd_pl: unexpected HTTP {status}", response.content)
        if status == 200 and RESPONSE_ELEMENT not in response.content:
            # zeep reads a body without the expected element as an empty answer, which
            # would pass for "no such waybill".
            raise BadResponse("dpd_pl: not a getEventsForWaybillV1 answer", response.content)
        return response
