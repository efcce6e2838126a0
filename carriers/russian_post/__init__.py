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

A parcel waiting at a post office is named there by the office's index and a short
description only. When the account also holds the optional credentials of Russian Post's
"Otpravka" API (``otpravka_token`` and ``otpravka_key``, a separate account at
otpravka.pochta.ru), the office is looked up with ``GET
https://otpravka-api.pochta.ru/postoffice/1.0/{postal-code}`` (headers ``Authorization:
AccessToken {token}`` and ``X-User-Authorization: Basic {key}``;
https://otpravka.pochta.ru/specification#/services-postoffice) for its street, settlement
and hours. Offices are kept a week per process and account
(:class:`~carriers.point_cache.PointCache`); a lookup that fails (HTTP error, 401, timeout)
is logged, leaves the point as tracking named it and is tried again after a backoff: it
never fails the tracking call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    PickupPoint,
    Status,
    TrackingResult,
)
from carriers.checkdigits import russian_post14_valid
from carriers.parsing import squash
from carriers.point_cache import PointCache, account_of

if TYPE_CHECKING:
    from carriers.russian_post.soap import TrackingService

#: Doorstep's language -> the service's ``Language`` value.
LANGUAGES: Mapping[str, str] = {"ru": "RUS", "en": "ENG"}
DEFAULT_LANGUAGE = "RUS"

#: Post offices per (Otpravka API root, index, account), for this process.
OFFICES: PointCache[PickupPoint] = PointCache()


def clear_office_cache() -> None:
    """Forget looked-up post offices (tests start from an empty cache)."""
    OFFICES.clear()


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
        "otpravka_token": (
            "Otpravka API access token (optional: post office address and hours; "
            "otpravka.pochta.ru, Settings)"
        ),
        "otpravka_key": (
            "Otpravka API authorization key (optional; Base64 of the otpravka.pochta.ru "
            "login:password)"
        ),
    }
    #: Russian Post's "Otpravka" API, where post offices are looked up by index.
    otpravka_url: ClassVar[str] = "https://otpravka-api.pochta.ru"
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
        if result.status is Status.AVAILABLE_FOR_PICKUP and result.pickup_point is not None:
            result.pickup_point = await self._with_office(result.pickup_point)
        return result

    async def _with_office(self, seen: PickupPoint) -> PickupPoint:
        """``seen`` with its office's street, city and hours when the account can look
        them up; ``seen`` itself without the Otpravka credentials or while lookups fail."""
        token, key = self.credentials.get("otpravka_token"), self.credentials.get("otpravka_key")
        index = seen.postal_code
        if not token or not key or not index or not index.isdigit():
            return seen

        async def fetch() -> PickupPoint:
            return await self._office(index, seen, token, key)

        # Per account too: one shop's wrong credentials back off its own lookups only.
        return await OFFICES.get((self.otpravka_url, index, account_of(token, key)), fetch) or seen

    async def _office(self, index: str, seen: PickupPoint, token: str, key: str) -> PickupPoint:
        """One ``GET /postoffice/1.0/{postal-code}``; typed errors for the cache to back off."""
        from carriers.russian_post import parse

        response = await self.send(
            "GET",
            f"{self.otpravka_url}/postoffice/1.0/{index}",
            headers={
                "Authorization": f"AccessToken {token}",
                "X-User-Authorization": f"Basic {key}",
                "Accept": "application/json;charset=UTF-8",
                "Content-Type": "application/json;charset=UTF-8",
            },
        )
        if response.status_code in (401, 403):
            raise AuthError(
                f"{self.key}: Otpravka API refused the token (HTTP {response.status_code})"
            )
        if response.status_code != 200:
            raise BadResponse(
                f"{self.key}: post office {index}: HTTP {response.status_code}", response.content
            )
        return parse.parse_office(self.json_body(response), seen)

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(
            number=number, not_found=True, carrier_url=self.public_url(squash(number))
        )
