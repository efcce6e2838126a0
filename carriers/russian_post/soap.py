"""zeep, set up for Russian Post's tracking service: the shipped WSDL and one call of
``getOperationHistory``, with the service's three faults told apart.

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

from carriers.base import AuthError, BadResponse, CarrierUnavailable, RateLimited
from carriers.soap import ClientTransport, bind, load_wsdl

WSDL = Path(__file__).resolve().parent / "wsdl" / "OperationHistory.wsdl"
BINDING = "{http://russianpost.org/operationhistory}OperationHistory12PortBinding"
DATA = "http://russianpost.org/operationhistory/data"

#: ``OperationHistoryFault`` wordings that are about the account's daily quota or the
#: service itself rather than the number (the specification documents the fault, not its
#: texts, so these are read by keyword, Russian and English).
_QUOTA = ("лимит", "превышен", "limit", "exceeded", "quota")
_TROUBLE = ("внутренн", "недоступ", "internal", "unavailable", "timeout", "тайм-аут")

#: Lenient about elements the service adds later; the parser checks what it reads.
SETTINGS = Settings(strict=False, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True)


class UnknownNumber(Exception):
    """The service's ``OperationHistoryFault``: it cannot give a history for this number."""


@functools.cache
def document() -> Document:
    """The parsed service description, shared by every adapter in the process."""
    return load_wsdl(WSDL, "russian_post", SETTINGS)


def _fault_kind(fault: Fault) -> str | None:
    """The local name of the fault's detail element (``AuthorizationFaultReason``…)."""
    detail = fault.detail
    if detail is None:
        return None
    for element in detail.iter():
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{DATA}}}"):
            return etree.QName(element).localname
    return None


class TrackingService:
    """``getOperationHistory`` at one address, posting through Doorstep's ``client``."""

    def __init__(self, address: str, client: httpx.AsyncClient, *, timeout: float) -> None:
        transport = ClientTransport(client, carrier="russian_post", timeout=timeout)
        self._service = bind(document(), BINDING, transport, address=address, settings=SETTINGS)

    async def history(self, barcode: str, language: str, login: str, password: str) -> Any:
        """The ``OperationHistoryData`` as plain dicts and lists.

        Raises :class:`UnknownNumber` for the service's ``OperationHistoryFault`` (unless
        its text speaks of the daily quota, :class:`RateLimited`, or of the service's own
        trouble, :class:`CarrierUnavailable`),
        :class:`AuthError` for ``AuthorizationFault``, :class:`BadResponse` for a
        ``LanguageFault`` (Doorstep sent a language the service does not know) and for an
        answer zeep cannot read, :class:`CarrierUnavailable` for any other fault.
        """
        try:
            answer = await self._service.getOperationHistory(
                OperationHistoryRequest={
                    "Barcode": barcode,
                    "MessageType": 0,
                    "Language": language,
                },
                AuthorizationHeader={
                    "login": login,
                    "password": password,
                    "mustUnderstand": "1",
                },
            )
        except Fault as exc:
            kind = _fault_kind(exc)
            if kind == "AuthorizationFaultReason":
                raise AuthError(f"russian_post: credentials rejected ({exc.message})") from exc
            if kind == "OperationHistoryFaultReason":
                text = (exc.message or "").casefold()
                if any(word in text for word in _QUOTA):
                    raise RateLimited(f"russian_post: quota reached ({exc.message})") from exc
                if any(word in text for word in _TROUBLE):
                    raise CarrierUnavailable(f"russian_post: {exc.message}") from exc
                raise UnknownNumber(exc.message) from exc
            if kind == "LanguageFaultReason":
                raise BadResponse(f"russian_post: language refused ({exc.message})") from exc
            raise CarrierUnavailable(f"russian_post: service fault ({exc.message})") from exc
        except (
            ZeepError,
            etree.LxmlError,
            ValueError,
            TypeError,
            AttributeError,
            LookupError,
        ) as exc:
            raise BadResponse(f"russian_post: unreadable answer ({exc})") from exc
        return serialize_object(answer, dict)
