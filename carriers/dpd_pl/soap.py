"""zeep, set up for DPD Info Services: the shipped WSDL and one call of
``getEventsForWaybillV1``, with DPD's faults read.

Imported on the first ``track()`` rather than with the adapter, so that loading the
carrier registry does not pay for zeep and lxml in every process. Loading from disk only,
posting through Doorstep's client and the typed errors of a whole call are
:mod:`carriers.soap`'s, shared with the other SOAP carriers.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from zeep import Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.wsdl import Document

from carriers.base import AuthError, BadResponse
from carriers.soap import Check, ClientTransport, bind, load_wsdl

WSDL = Path(__file__).resolve().parent / "wsdl" / "DPDInfoServicesObjEvents.wsdl"
NAMESPACE = "http://events.dpdinfoservices.dpd.com.pl/"
BINDING = f"{{{NAMESPACE}}}DPDInfoServicesObjEventsPortBinding"

#: Fault texts DPD Polska sends for missing, wrong or insufficient credentials.
AUTH_FAULTS = ("login failed", "authdata is null", "no privileges", "access denied")

_SETTINGS = Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True)


@lru_cache(maxsize=1)
def wsdl_document() -> Document:
    """The shipped WSDL, parsed once per process."""
    return load_wsdl(WSDL, "dpd_pl", _SETTINGS)


class EventsService:
    """``getEventsForWaybillV1`` at one address, posting through Doorstep's ``client``."""

    def __init__(
        self, address: str, client: httpx.AsyncClient, *, timeout: float, check: Check
    ) -> None:
        transport = ClientTransport(client, carrier="dpd_pl", timeout=timeout, check=check)
        self._service = bind(
            wsdl_document(), BINDING, transport, address=address, settings=_SETTINGS
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
