"""zeep, set up for ELTA Courier's tracing service (PELTT01): the shipped WSDL and one call
of ``READ``.

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

WSDL = Path(__file__).resolve().parent / "wsdl" / "PELTT01.wsdl"
BINDING = "{/PELTT01}PELTT01"

#: Lenient about elements the service adds later; the parser checks what it reads.
SETTINGS = Settings(strict=False, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True)


@functools.cache
def document() -> Document:
    """The parsed service description, shared by every adapter in the process."""
    return load_wsdl(WSDL, "elta", SETTINGS)


class TracingService:
    """``READ`` of PELTT01 at one address, posting through Doorstep's ``client``."""

    def __init__(self, address: str, client: httpx.AsyncClient, *, timeout: float) -> None:
        transport = ClientTransport(client, carrier="elta", timeout=timeout)
        self._service = bind(document(), BINDING, transport, address=address, settings=SETTINGS)

    async def read(self, voucher: str, *, code: str, user: str, password: str) -> Any:
        """The ``READResponse`` for one voucher (``wpel_flag`` 1: search by voucher) as a dict.

        A SOAP fault is the service's own trouble (:class:`CarrierUnavailable`): ELTA
        Courier reports refused credentials and unknown vouchers in ``st_flag``.
        """
        try:
            answer = await self._service.READ(
                wpel_code=code,
                wpel_user=user,
                wpel_pass=password,
                wpel_vg=voucher,
                wpel_ref="",
                wpel_flag="1",
            )
        except Fault as exc:
            raise CarrierUnavailable(f"elta: service fault ({exc.message})") from exc
        except (
            ZeepError,
            etree.LxmlError,
            ValueError,
            TypeError,
            AttributeError,
            LookupError,
        ) as exc:
            raise BadResponse(f"elta: unreadable answer ({exc})") from exc
        return serialize_object(answer, dict)
