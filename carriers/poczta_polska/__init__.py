"""Poczta Polska through its "Śledzenie przesyłek" SOAP service: calls only.

Documentation: the service description Poczta Polska publishes,
https://www.poczta-polska.pl/dla-biznesu/wsparcie/integracje/systemy-sledzenia/system-sledzenia-wsdl-soap
(English: https://www.poczta-polska.pl/en/dla-biznesu/wsparcie/integracje/systemy-sledzenia/system-sledzenia-wsdl-soap).
The WSDL itself (``https://tt.poczta-polska.pl/Sledzenie/services/Sledzenie?wsdl``) is
shipped in ``wsdl/``, reconstructed from that description, and loaded from disk by
:mod:`carriers.poczta_polska.soap`; calls go through zeep over Doorstep's httpx client.

``sprawdzPrzesylkePl`` is asked one number at a time (the ``...Pl`` variant adds the post
offices' addresses, coordinates and opening hours, which become the pickup point after a
notice). Authentication is a WS-Security UsernameToken; the documentation gives a public
account, ``sledzeniepp`` / ``PPSA``, used when the merchant sets none. The service only
knows parcels with an event in the last 30 days.

Answer statuses: 0 and 1 (other shipments share the number) carry data, 2 is known but
without events; -1 (unknown) and -2 (not a valid number) are ``not_found``; -99 ("another
error") is :class:`CarrierUnavailable`. A SOAP fault about the security token is an
:class:`AuthError`; any other fault is the service's own trouble (unavailable).

Poczta Polska offers no push.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from lxml import etree
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    CarrierUnavailable,
    NumberFormat,
    NumberHint,
    TrackingResult,
)
from carriers.checkdigits import mod10
from carriers.parsing import squash
from carriers.poczta_polska import codes, parse, soap

#: The public account the documentation gives for one-off queries.
PUBLIC_USERNAME = "sledzeniepp"
PUBLIC_PASSWORD = "PPSA"

#: Fault codes and texts that mean the UsernameToken was refused (Axis2/Rampart).
_AUTH_FAULTS = ("failedauthentication", "invalidsecurity", "authenticat", "security token")


def sscc_check(number: str) -> bool:
    """GS1 SSCC check digit (mod 10, weights 3,1 from the right) over the last 18 digits."""
    sscc = number[-18:]
    return mod10(sscc[:-1]) == int(sscc[-1])


class PocztaPolskaAdapter(CarrierAdapter):
    """Poczta Polska letters and parcels (Pocztex included) via the tracking web service."""

    key = "poczta_polska"
    display_name = "Poczta Polska"
    tracking_url = "https://emonitoring.poczta-polska.pl/?numer={number}"
    default_base_url = "https://tt.poczta-polska.pl/Sledzenie/services/Sledzenie"
    batch_size = 1
    #: No figure is published; the public account is meant for one-off queries.
    rate_limit = 1.0
    supports_push = False
    credential_fields: ClassVar[dict[str, str]] = {
        "username": "Tracking account login (optional: the public account is used without one)",
        "password": "Tracking account password",
    }
    postal_countries = frozenset({"PL"})
    #: Domestic barcodes are GS1 SSCCs with Poczta Polska's company prefix 590 0773,
    #: printed with the application identifier "00" (20 digits) or without it (18).
    number_formats = (
        NumberFormat(
            "Poczta Polska barcode (00 + SSCC)",
            re.compile(r"00[0-9]5900773[0-9]{10}"),
            0.95,
            check=sscc_check,
        ),
        NumberFormat(
            "Poczta Polska SSCC", re.compile(r"[0-9]5900773[0-9]{10}"), 0.85, check=sscc_check
        ),
    )

    _service: AsyncServiceProxy | None = None

    def _tracking_service(self) -> AsyncServiceProxy:
        if self._service is None:
            username = self.credentials.get("username")
            password = self.credentials.get("password", "")
            if not username:  # the documented public account, for one-off queries
                username, password = PUBLIC_USERNAME, PUBLIC_PASSWORD
            self._service = soap.service(
                self.client,
                address=self.base_url,
                username=username,
                password=password,
                timeout=self.timeout,
                carrier=self.key,
            )
        return self._service

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        return await self.one_by_one(numbers, self._track_one)

    async def _ask(self, number: str) -> Any:
        """The serialised ``sprawdzPrzesylkePl`` answer for ``number``."""
        try:
            reply = await self._tracking_service().sprawdzPrzesylkePl(numer=number)
        except Fault as exc:
            text = f"{exc.code or ''} {exc.message or ''}".casefold()
            if any(marker in text for marker in _AUTH_FAULTS):
                raise AuthError(f"{self.key}: credentials rejected ({exc.message})") from exc
            raise CarrierUnavailable(f"{self.key}: service fault ({exc.message})") from exc
        except (
            ZeepError,
            etree.LxmlError,
            ValueError,
            TypeError,
            AttributeError,
            LookupError,
        ) as exc:
            raise BadResponse(f"{self.key}: unreadable answer ({exc})") from exc
        return serialize_object(reply, dict)

    async def _track_one(self, number: str) -> TrackingResult:
        wanted = squash(number)
        answer = await self._ask(wanted)
        status = parse.answer_status(answer)
        if status in codes.NOT_FOUND:
            return self._not_found(number)
        if status in codes.FAILED:
            raise CarrierUnavailable(f"{self.key}: {codes.ANSWER_STATUSES[status]}")
        if status not in codes.FOUND:
            raise BadResponse(f"{self.key}: unknown answer status {status}", repr(answer)[:500])
        result = parse.parse_przesylka(answer)
        result.number = number  # as asked, whatever the service echoes
        result.carrier_url = self.public_url(wanted)
        return result

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(
            number=number, not_found=True, carrier_url=self.public_url(squash(number))
        )
