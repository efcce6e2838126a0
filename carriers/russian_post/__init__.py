"""Russian Post (Почта России) through its tracking web service: calls only.

Documentation: the tracking service's specification, https://tracking.pochta.ru/specification
(single access, "Единичный доступ"). The WSDL (``https://tracking.russianpost.ru/rtm34?wsdl``)
is shipped in ``wsdl/``, reconstructed from that specification, and loaded from disk by
:mod:`carriers.russian_post.soap`; calls go through zeep over Doorstep's httpx client.

``getOperationHistory`` is asked one number at a time (SOAP 1.2), with the account's
``login`` and ``password`` in an ``AuthorizationHeader`` beside the request in the body.
``Language`` words the operation names: ``RUS`` (the default) or ``ENG``; the customer's
language is asked for when it is Russian or English. The batch service (``getTicket`` and
``getResponseByTicket``, up to 3,000 numbers a ticket, answers ready minutes later) is
not used: it needs a second call after a wait, which the polling engine does not make.

An empty history is ``not_found``, as is the ``OperationHistoryFault`` the service sends for
a number it cannot give a history for; ``AuthorizationFault`` is :class:`AuthError`. The
service offers no push.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from carriers.base import (
    AuthError,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    TrackingResult,
)
from carriers.checkdigits import russian_post14_valid
from carriers.parsing import squash

if TYPE_CHECKING:
    from carriers.russian_post.soap import TrackingService

#: Doorstep's language -> the service's ``Language`` value.
LANGUAGES: Mapping[str, str] = {"ru": "RUS", "en": "ENG"}
DEFAULT_LANGUAGE = "RUS"


class RussianPostAdapter(CarrierAdapter):
    """Russian Post letters and parcels, domestic and international (EMS included)."""

    key = "russian_post"
    display_name = "Russian Post"
    local_names = {"ru": "Почта России", "uk": "Пошта Росії"}
    tracking_url = "https://www.pochta.ru/tracking?barcode={number}"
    default_base_url = "https://tracking.russianpost.ru/rtm34"
    batch_size = 1
    #: The specification gives a daily quota per account (100 queries a day without a
    #: contract) and no per-second figure: one call a second stays polite.
    rate_limit = 1.0
    supports_push = False
    accepts_hints = True
    answer_languages = frozenset(LANGUAGES)
    credential_fields: ClassVar[dict[str, str]] = {
        "login": "Tracking API login (tracking.pochta.ru, Access settings)",
        "password": "Tracking API password",
    }
    postal_countries = frozenset({"RU"})
    #: Domestic identifiers (ШПИ): the office's six-digit postcode, a two-digit month
    #: code, a five-digit serial and a check digit.
    number_formats = (
        NumberFormat(
            "Russian Post domestic identifier (ШПИ)",
            re.compile(r"[1-9][0-9]{13}"),
            0.6,
            check=russian_post14_valid,
        ),
    )

    _service: TrackingService | None = None

    def _tracking_service(self) -> TrackingService:
        if self._service is None:
            from carriers.russian_post.soap import TrackingService

            self._service = TrackingService(self.base_url, self.client, timeout=self.timeout)
        return self._service

    def language(self, hint: NumberHint | None) -> str:
        """The ``Language`` to ask in for one number: the customer's when offered."""
        return LANGUAGES.get(self.language_for(hint) or "", DEFAULT_LANGUAGE)

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        login, password = self.credentials.get("login"), self.credentials.get("password")
        if numbers and (not login or not password):
            raise AuthError(f"{self.key}: login and password are required")

        async def track_one(number: str) -> TrackingResult:
            hint = (hints or {}).get(number)
            return await self._track_one(number, self.language(hint))

        return await self.one_by_one(numbers, track_one)

    async def _track_one(self, number: str, language: str) -> TrackingResult:
        from carriers.russian_post import parse, soap

        wanted = squash(number)
        login, password = self.credentials["login"], self.credentials["password"]
        try:
            answer = await self._tracking_service().history(wanted, language, login, password)
        except soap.UnknownNumber:
            return self._not_found(number)
        result = parse.parse_history(number, answer)
        result.carrier_url = self.public_url(wanted)
        return result

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(
            number=number, not_found=True, carrier_url=self.public_url(squash(number))
        )
