"""ACS Courier (Greece, Cyprus) through ACS Web Services: HTTP only; answers are read by
:mod:`carriers.acs.parse`.

Documentation: ACS's "ACS Rest API" manual (Greek), handed out with the API key; the
service describes itself at https://webservices.acscourier.net/ACSRestServices/api/ACSAutoResthelp
and https://webservices.acscourier.net/ACSRestServices/swagger/.

- Every call is ``POST https://webservices.acscourier.net/ACSRestServices/api/ACSAutoRest``
  with the header ``ACSApiKey`` and a JSON body ``{"ACSAlias": <method>,
  "ACSInputParameters": {...}}``; the parameters always carry the account's
  ``Company_ID``, ``Company_Password``, ``User_ID`` and ``User_Password``.
- ACS answers 200 to everything except a missing or wrong API key (403) and more calls a
  second than the key allows (406 Not Acceptable; 10 a second by default). A failed
  execution is ``ACSExecution_HasError: true`` with a message; the manual publishes no
  list of those messages, so one that speaks of the account's credentials is an
  :class:`AuthError` and any other a :class:`BadResponse`.
- Tracking one voucher takes two methods: ``ACS_Trackingsummary`` (the status, flags,
  non-delivery reason and destination store) and ``ACS_TrackingDetails`` (the
  checkpoints). ``Language`` is ``GR`` (or null) for Greek and ``EN`` for English: the
  customer's language when it is one of them, else Greek, ACS's default. A summary
  without a row for the voucher is ``not_found`` and the details are not asked.
- Pickup points: a parcel held for collection at the destination store (reason ``ΑΔ1``)
  gets that store (code, name, phone); a checkpoint naming an ACS Smartpoint gets that
  locker by the place ACS names. Neither answer gives coordinates, opening hours, a
  deadline or a code (ACS texts the code to the recipient).
- Push: ACS Web Services offer none; vouchers are polled.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from carriers.acs import parse
from carriers.acs.codes import plain
from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    RateLimited,
    TrackingResult,
    parse_retry_after,
)
from carriers.concurrency import map_bounded
from carriers.parsing import squash

#: Words in an execution error that mean the account's credentials were refused.
_CREDENTIAL_WORDS = (
    "password", "credential", "login", "user", "unauthori", "κωδικ", "χρηστ", "συνθηματικ",
    "εξουσιοδοτ", "πιστοποιη",
)  # fmt: skip

#: Our language -> ACS's ``Language`` value.
_LANGUAGES = {"el": "GR", "en": "EN"}


class ACSAdapter(CarrierAdapter):
    """Tracks ACS vouchers with ``ACS_Trackingsummary`` and ``ACS_TrackingDetails``."""

    key = "acs"
    display_name = "ACS Courier"
    tracking_url = "https://www.acscourier.net/el/track-and-trace/?generalCode={number}"
    default_base_url = "https://webservices.acscourier.net/ACSRestServices/api/ACSAutoRest"
    batch_size = 1
    #: 10 calls a second per API key by default, and each voucher takes two calls.
    rate_limit = 5.0
    supports_push = False
    accepts_hints = True
    answer_languages = frozenset(_LANGUAGES)
    credential_fields: ClassVar[dict[str, str]] = {
        "api_key": "ACS API key (ACSApiKey)",
        "company_id": "Company ID",
        "company_password": "Company password",
        "user_id": "User ID",
        "user_password": "User password",
    }
    #: ACS vouchers are ten digits (``7227889174``); ACS documents no check digit.
    number_formats = (NumberFormat("ACS voucher", re.compile(r"\d{10}"), 0.3),)
    #: Vouchers tracked at once by one ``track()``: two calls each, under ACS's 10 a second.
    concurrency: ClassVar[int] = 3

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """Summary then details per voucher, a few vouchers at once; results in order."""
        if numbers:
            self._account()  # AuthError before any call when a credential is missing
        hints = hints or {}

        async def one(number: str) -> TrackingResult:
            return await self._track_one(number, self.language_for(hints.get(number)))

        return await map_bounded(one, numbers, limit=self.concurrency)

    def _account(self) -> dict[str, str]:
        names = {
            "Company_ID": "company_id",
            "Company_Password": "company_password",
            "User_ID": "user_id",
            "User_Password": "user_password",
        }
        account = {param: self.credentials.get(field, "") for param, field in names.items()}
        if not self.credentials.get("api_key") or not all(account.values()):
            raise AuthError("acs: the API key, company and user credentials are all required")
        return account

    async def _track_one(self, number: str, language: str | None) -> TrackingResult:
        voucher = squash(number)
        params = {"Language": _LANGUAGES.get(language or "el", "GR"), "Voucher_No": voucher}
        summary = await self._call("ACS_Trackingsummary", params)
        row = parse.summary_row(summary.rows, voucher)
        if row is None:
            return TrackingResult(
                number=number, not_found=True, carrier_url=self.public_url(voucher)
            )
        details = await self._call("ACS_TrackingDetails", params)
        result = parse.parse_tracking(row, parse.parse_checkpoints(details.rows), number)
        result.carrier_url = self.public_url(voucher)
        return result

    async def _call(self, alias: str, params: dict[str, Any]) -> parse.Output:
        """One ACSAutoRest call: typed errors for refusals, the envelope's rows otherwise."""
        body = {"ACSAlias": alias, "ACSInputParameters": {**self._account(), **params}}
        response = await self.send(
            "POST",
            self.base_url,
            json=body,
            headers={"ACSApiKey": self.credentials["api_key"], "Accept": "application/json"},
        )
        if response.status_code in (401, 403):
            raise AuthError(f"acs: API key refused (HTTP {response.status_code})")
        if response.status_code == 406:
            raise RateLimited(
                "acs: more calls a second than the API key allows",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code != 200:
            raise BadResponse(f"acs: unexpected HTTP {response.status_code}", response.content)
        doc = self.json_body(response)
        error = parse.execution_error(doc)
        if error is not None:
            if any(word in plain(error) for word in _CREDENTIAL_WORDS):
                raise AuthError(f"acs: {alias} refused the account: {error[:200]}")
            raise BadResponse(f"acs: {alias} failed: {error[:200]}", response.content)
        return parse.output(doc)
