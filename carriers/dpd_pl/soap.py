"""zeep, set up for DPD Info Services: the shipped WSDL, a transport on Doorstep's client,
and one call of ``getEventsForWaybillV1``.

Imported on the first ``track()`` rather than with the adapter, so that loading the
carrier registry does not pay for zeep and lxml in every process.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from zeep import AsyncClient, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport
from zeep.wsdl import Document

from carriers.base import AuthError, BadResponse

WSDL = Path(__file__).resolve().parent / "wsdl" / "DPDInfoServicesObjEvents.wsdl"
NAMESPACE = "http://events.dpdinfoservices.dpd.com.pl/"
BINDING = f"{{{NAMESPACE}}}DPDInfoServicesObjEventsPortBinding"

#: Fault texts DPD Polska sends for missing, wrong or insufficient credentials.
AUTH_FAULTS = ("login failed", "authdata is null", "no privileges", "access denied")

_SETTINGS = Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True)

#: Posts one envelope: ``(address, message, headers) -> response``, with typed errors.
Poster = Callable[[str, Any, dict[str, str]], Awaitable[httpx.Response]]


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


class _PostingTransport(_NoFetching):
    """zeep's httpx transport posting through the adapter's client and error rules.

    ``AsyncTransport.__init__`` is not called: it would replace the headers of the
    shared client Doorstep owns, which this transport only borrows.
    """

    def __init__(self, client: httpx.AsyncClient, poster: Poster) -> None:
        super().__init__()
        self.client = client
        self.poster = poster

    async def post(self, address: str, message: Any, headers: Any) -> httpx.Response:
        return await self.poster(address, message, dict(headers))

    async def aclose(self) -> None:
        """Nothing to close: the client belongs to Doorstep."""


class EventsService:
    """``getEventsForWaybillV1`` at one address, posting through ``poster``."""

    def __init__(self, address: str, client: httpx.AsyncClient, poster: Poster) -> None:
        transport = _PostingTransport(client, poster)
        # zeep ships without type hints (pyproject: untyped_calls_exclude).
        zeep_client = AsyncClient(wsdl_document(), transport=transport, settings=_SETTINGS)
        self._service = AsyncServiceProxy(
            zeep_client, zeep_client.wsdl.bindings[BINDING], address=address
        )

    async def events_for_waybill(
        self, waybill: str, language: str, auth: Mapping[str, str | None]
    ) -> Any:
        """The answer's ``return`` as plain dicts and lists (None when it has none)."""
        try:
            answer = await self._service.getEventsForWaybillV1(
                waybill=waybill, eventsSelectType="ALL", language=language, authDataV1=auth
            )
        except Fault as fault:
            text = str(fault.message or "")
            if any(marker in text.lower() for marker in AUTH_FAULTS):
                raise AuthError(f"dpd_pl: credentials refused ({text})") from fault
            raise BadResponse(f"dpd_pl: SOAP fault: {text}", text) from fault
        except ZeepError as exc:  # not SOAP, not our schema, not XML at all
            raise BadResponse(f"dpd_pl: unreadable answer ({exc})") from exc
        return serialize_object(answer, dict)
