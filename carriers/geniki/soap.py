"""zeep, set up for Geniki Taxydromiki's JobServicesV2: the shipped WSDL, ``Authenticate``
and ``TrackAndTrace``.

Imported on the first ``track()`` rather than with the adapter, so that loading the carrier
registry does not pay for zeep and lxml in every process. Loading from disk only, posting
through Doorstep's client and the typed errors of a whole call are :mod:`carriers.soap`'s.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import httpx
from lxml import etree
from zeep import Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.wsdl import Document

from carriers.base import BadResponse, CarrierUnavailable
from carriers.soap import ClientTransport, bind, load_wsdl

WSDL = Path(__file__).resolve().parent / "wsdl" / "JobServicesV2.wsdl"
NAMESPACE = "http://voucher.taxydromiki.gr/JobServicesV2.asmx"
BINDING = f"{{{NAMESPACE}}}JobServicesV2Soap"

#: Lenient about elements the service adds later; the parser checks what it reads.
SETTINGS = Settings(strict=False, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True)

_UNREADABLE = (ZeepError, etree.LxmlError, ValueError, TypeError, AttributeError, LookupError)


@functools.cache
def document() -> Document:
    """The parsed service description, shared by every adapter in the process."""
    return load_wsdl(WSDL, "geniki", SETTINGS)


class JobServices:
    """``Authenticate`` and ``TrackAndTrace`` at one address, through Doorstep's ``client``.

    Both answer a ``Result`` code rather than a fault; a SOAP fault (an ASMX exception) is
    the service's own trouble, :class:`CarrierUnavailable`.
    """

    def __init__(self, address: str, client: httpx.AsyncClient, *, timeout: float) -> None:
        transport = ClientTransport(client, carrier="geniki", timeout=timeout)
        self._service = bind(document(), BINDING, transport, address=address, settings=SETTINGS)

    async def _call(self, operation: str, **params: str) -> Any:
        try:
            answer = await getattr(self._service, operation)(**params)
        except Fault as exc:
            raise CarrierUnavailable(f"geniki: service fault ({exc.message})") from exc
        except _UNREADABLE as exc:
            raise BadResponse(f"geniki: unreadable {operation} answer ({exc})") from exc
        if answer is None:
            raise BadResponse(f"geniki: {operation} answered without a result")
        return serialize_object(answer, dict)

    async def authenticate(self, user: str, password: str, application_key: str) -> Any:
        """The ``AuthenticateResult`` (``Result``, ``Key``) as a dict."""
        return await self._call(
            "Authenticate", sUsrName=user, sUsrPwd=password, applicationKey=application_key
        )

    async def track_and_trace(self, key: str, voucher: str, language: str) -> Any:
        """The ``TrackAndTraceResult`` of one voucher as plain dicts and lists."""
        return await self._call("TrackAndTrace", authKey=key, voucherNo=voucher, language=language)
