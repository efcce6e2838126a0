"""CDEK through its API v2: HTTP and OAuth only; answers are read by :mod:`carriers.cdek.parse`.

Documentation: https://apidoc.cdek.ru/ (Russian) and https://api-docs.cdek.ru/ (English):
"Авторизация" (https://api-docs.cdek.ru/33828799.html), "Информация о заказе" (Order
Details, https://api-docs.cdek.ru/33828849.html), "Список офисов" (List of Offices),
"Вебхуки" (https://api-docs.cdek.ru/33828884.html), Appendices 1 and 2 (status codes).

* OAuth client credentials: ``POST /v2/oauth/token`` with ``grant_type``, ``client_id``
  (the account) and ``client_secret`` (the secure password) answers ``access_token`` and
  ``expires_in``; the token is cached per (API root, account) and a 401 fetches a new
  one once (:class:`~carriers.oauth.OAuthAdapter`).
* ``GET /v2/orders?cdek_number=…`` tracks one order. A number CDEK does not know is
  answered with ``requests[].state = "INVALID"`` (HTTP 200, 400 or 404): ``not_found``.
  CDEK order numbers are digits; anything else is ``not_found`` without a call.
* Orders to a PVZ or postamat name it in ``delivery_point``; the office's name, address,
  hours and place come from ``GET /v2/deliverypoints?code=…``, kept a week per process,
  office, language and account (:class:`~carriers.point_cache.PointCache`); a lookup
  that fails is logged, leaves the point known by its code, never fails the tracking call
  and is tried again after a backoff, and while a refresh fails the office last found is
  kept. Its free-storage deadline is the order's ``keep_free_until``.
* Language: ``/v2/deliverypoints`` takes ``lang`` (``rus``, ``eng``, ``zho``), so the
  point's name and address are asked in the customer's language when it is one of those.
  The orders method documents no language and names its statuses in Russian, so
  :attr:`answer_languages` (the languages *event texts* can be asked in) stays empty;
  Doorstep shows its own translated wording first anyway.
* Push: CDEK's ``ORDER_STATUS`` webhooks carry no signature, no shared secret and no
  authentication header (the "Вебхуки" page documents none; subscriptions take only a
  URL). Doorstep's push path ingests a body as fact, so an unsigned body would let anyone
  write statuses: this adapter does not accept pushes (``supports_push = False``) and
  polls instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import ClassVar

from carriers.base import (
    NO_HINT,
    AuthError,
    BadResponse,
    NumberFormat,
    NumberHint,
    PickupPoint,
    TokenCache,
    TrackingResult,
)
from carriers.cdek import parse
from carriers.concurrency import map_bounded
from carriers.oauth import OAuthAdapter
from carriers.parsing import squash
from carriers.point_cache import PointCache, account_of

log = logging.getLogger(__name__)

#: OAuth tokens per (base_url, client_id), shared by every adapter in this process.
TOKENS = TokenCache()

#: Offices per (API root, account, code, lang), for this process.
OFFICES: PointCache[PickupPoint] = PointCache()

#: ISO 639-1 → the ISO 639-3 ``lang`` CDEK's reference methods take.
LANGS: dict[str, str] = {"ru": "rus", "en": "eng", "zh": "zho"}
DEFAULT_LANG = "rus"


class CDEKAdapter(OAuthAdapter):
    """CDEK orders (Russia, CIS and international) through ``GET /v2/orders``."""

    key = "cdek"
    display_name = "CDEK"
    local_names = {"ru": "СДЭК", "uk": "СДЕК"}
    tracking_url = "https://www.cdek.ru/ru/tracking?order_id={number}"
    default_base_url = "https://api.cdek.ru"
    batch_size = 1
    #: CDEK publishes no figure for tracking; kept modest.
    rate_limit = 3.0
    supports_push = False
    accepts_hints = True
    #: Empty: the orders method takes no language and words its statuses in Russian. The
    #: customer's language is still used, for the office details (``LANGS``).
    answer_languages: ClassVar[frozenset[str]] = frozenset()
    credential_fields: ClassVar[dict[str, str]] = {
        "client_id": "Account (client_id)",
        "client_secret": "Secure password (client_secret)",
    }
    #: CDEK order numbers are 10 or 11 digits (``1106207236``, ``10000000001``); CDEK
    #: documents no check digit, and many carriers use runs of digits this long.
    number_formats = (NumberFormat("CDEK order number", re.compile(r"[0-9]{10,11}"), 0.2),)
    tokens = TOKENS
    #: Order calls in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 4

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One order call per number, at most :attr:`concurrency` at once, in order."""
        hints = hints or {}
        return await map_bounded(
            lambda number: self._track_one(number, hints.get(number, NO_HINT)),
            numbers,
            limit=self.concurrency,
        )

    @staticmethod
    def _lang(hint: NumberHint) -> str:
        """The ``lang`` for ``/v2/deliverypoints``: the customer's, when CDEK has it."""
        return LANGS.get(hint.language or "", DEFAULT_LANG)

    async def _track_one(self, number: str, hint: NumberHint) -> TrackingResult:
        wanted = squash(number)
        if not wanted.isdigit():
            return self._not_found(number)
        response = await self.authorized(
            "GET", f"{self.base_url}/v2/orders", params={"cdek_number": wanted}
        )
        if response.status_code == 403:
            raise AuthError("cdek: this account may not read orders (HTTP 403)")
        if response.status_code not in (200, 400, 404):
            raise BadResponse(f"cdek: unexpected HTTP {response.status_code}", response.content)
        doc = self.json_body(response)
        if parse.is_refusal(doc):
            log.info("cdek: %s refused: %s", wanted, parse.errors_of(doc))
            return self._not_found(number)
        if response.status_code != 200:
            raise BadResponse(
                f"cdek: HTTP {response.status_code} without an error", response.content
            )
        result = parse.parse_order(doc)
        point = parse.pickup_point(result, doc, None)
        if point is not None:  # only an order bound for (or waiting at) its point
            office = await self._office(point.point_id, self._lang(hint))
            point = parse.pickup_point(result, doc, office)
        result.pickup_point = point
        result.number = number
        result.carrier_url = self.public_url(wanted)
        return result

    def _not_found(self, number: str) -> TrackingResult:
        return TrackingResult(
            number=number, not_found=True, carrier_url=self.public_url(squash(number))
        )

    async def _office(self, code: str, lang: str) -> PickupPoint | None:
        """The office ``code`` in ``lang``, from :data:`OFFICES` or asked when due; None
        while CDEK has not described it (the point is then known by its code only)."""
        account = account_of(self.credentials.get("client_id", ""))
        key = (self.base_url, account, code.upper(), lang)
        return await OFFICES.get(key, partial(self._delivery_point, code, lang))

    async def _delivery_point(self, code: str, lang: str) -> PickupPoint | None:
        """One ``GET /v2/deliverypoints``; typed errors for :data:`OFFICES` to back off."""
        response = await self.authorized(
            "GET", f"{self.base_url}/v2/deliverypoints", params={"code": code, "lang": lang}
        )
        if response.status_code != 200:
            raise BadResponse(f"cdek: deliverypoints HTTP {response.status_code}")
        return parse.parse_delivery_point(self.json_body(response), code)

    # --- OAuth (the 401 retry is :meth:`OAuthAdapter.authorized`) ---

    async def fetch_token(self) -> tuple[str, float]:
        return await self.request_token(
            "/v2/oauth/token",
            parse.parse_token,
            data=self.client_credentials_grant(),
            headers={"Accept": "application/json"},
        )


def clear_office_cache() -> None:
    """Forget looked-up offices (tests start from an empty cache)."""
    OFFICES.clear()
