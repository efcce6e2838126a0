"""Geniki Taxydromiki (Γενική Ταχυδρομική) through its voucher web service, JobServicesV2.

Documentation: "JobServicesApiV2", https://voucher.taxydromiki.gr/help/jobservicesapiv2.pdf,
which Geniki hands to customers with their credentials (a user name, a password and an
application key); the service description is published at
``https://voucher.taxydromiki.gr/JobServicesV2.asmx?WSDL`` (test service:
``https://testvoucher.taxydromiki.gr/JobServicesV2.asmx``, set as the account's base URL).
The WSDL's ``Authenticate`` and ``TrackAndTrace`` are shipped in ``wsdl/`` and loaded from
disk by :mod:`carriers.geniki.soap`; calls go through zeep over Doorstep's httpx client.

``Authenticate(sUsrName, sUsrPwd, applicationKey)`` answers ``Result`` 0 and a ``Key``,
which every later call carries. The key is kept per account (API address and credentials,
the password as a digest), shared by every adapter of the account in the process, and reused
until the service answers ``Result`` 11 ("the key has expired"), or 1; then the adapter
authenticates once more and retries, and a second refusal is :class:`AuthError`, as is a
refused ``Authenticate``. ``TrackAndTrace(authKey, voucherNo, language)`` is asked one
voucher at a time; ``language`` (``el`` or ``en``) words the checkpoints, and the customer's
language is asked for (English for customers of other languages, Greek when none is known).
``Result`` 3, 9 and 10 (no data, no such voucher, another customer's voucher) are
``not_found``; 14 and 15 (busy, request limit) :class:`RateLimited`; any other code the
service's trouble. Geniki publishes no request limit and offers no push. Its vouchers are
bare runs of digits (ten in the examples), like ACS's and DHL Express's, and no format or
check digit is documented, so detection does not propose this adapter.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    CarrierUnavailable,
    NumberHint,
    RateLimited,
    TokenCache,
    TrackingResult,
)
from carriers.parsing import squash

if TYPE_CHECKING:
    from carriers.geniki.soap import JobServices

#: Authentication keys by account, shared by every adapter in the process.
KEYS = TokenCache()
#: Doorstep's language -> the service's ``language``.
LANGUAGES: Mapping[str, str] = {"el": "el", "en": "en"}
#: Asked when the customer's language is unknown: Greek, as Geniki's own customers read.
DEFAULT_LANGUAGE = "el"
#: Asked for a customer of any other language.
FOREIGN_LANGUAGE = "en"


class GenikiAdapter(CarrierAdapter):
    """Geniki Taxydromiki vouchers, to a door, a Geniki shop or a locker."""

    key = "geniki"
    display_name = "Geniki Taxydromiki"
    local_names = {"el": "Γενική Ταχυδρομική"}
    tracking_url = "https://www.taxydromiki.com/track/{number}"
    default_base_url = "https://voucher.taxydromiki.gr/JobServicesV2.asmx"
    batch_size = 1
    #: No figure is published; two calls a second keeps well clear of trouble.
    rate_limit = 2.0
    supports_push = False
    accepts_hints = True
    answer_languages = frozenset(LANGUAGES)
    credential_fields: ClassVar[dict[str, str]] = {
        "username": "User name (sUsrName)",
        "password": "Password (sUsrPwd)",
        "application_key": "Application key (applicationKey)",
    }

    _service: JobServices | None = None

    def _job_services(self) -> JobServices:
        if self._service is None:
            from carriers.geniki.soap import JobServices

            self._service = JobServices(self.base_url, self.client, timeout=self.timeout)
        return self._service

    @property
    def key_owner(self) -> tuple[str, str, str, str]:
        """Whose key it is: one per API address, user name, application key and password
        (as a digest), so that changed credentials never reuse the old ones' key."""
        credentials = self.credentials
        password = hashlib.sha256(credentials.get("password", "").encode()).hexdigest()
        return (
            self.base_url,
            credentials.get("username", ""),
            credentials.get("application_key", ""),
            password,
        )

    def language(self, hint: NumberHint | None) -> str:
        """The ``language`` to ask in for one number."""
        known = self.language_for(hint)
        if known is not None:
            return LANGUAGES[known]
        return FOREIGN_LANGUAGE if hint is not None and hint.language else DEFAULT_LANGUAGE

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        missing = [name for name in self.credential_fields if not self.credentials.get(name)]
        if numbers and missing:
            raise AuthError(f"{self.key}: missing credentials: {', '.join(missing)}")

        async def track_one(number: str) -> TrackingResult:
            hint = (hints or {}).get(number)
            return await self._track_one(number, self.language(hint))

        return await self.one_by_one(numbers, track_one)

    async def _authenticate(self) -> tuple[str, float]:
        """A new key: it lasts until the service says it expired."""
        from carriers.geniki import parse

        answer = await self._job_services().authenticate(
            self.credentials["username"],
            self.credentials["password"],
            self.credentials["application_key"],
        )
        code = parse.result_code(answer)
        if code != 0:
            self._raise_for(code, "Authenticate")
            raise AuthError(f"{self.key}: credentials rejected (Result {code})")
        key = answer.get("Key")
        if not isinstance(key, str) or not key.strip():
            raise BadResponse(f"{self.key}: Authenticate answered without a Key")
        return key.strip(), math.inf

    def _raise_for(self, code: int, operation: str) -> None:
        """The service's slow-down codes as :class:`RateLimited`."""
        from carriers.geniki import codes

        if code in codes.SLOW_DOWN:
            raise RateLimited(f"{self.key}: {operation} answered Result {code} (busy)")

    async def _trace(self, wanted: str, language: str) -> tuple[int, Any]:
        """``TrackAndTrace`` with the account's key: a refused key is dropped and the
        call made once more with a new one."""
        from carriers.geniki import codes, parse

        for _ in range(2):
            key = await KEYS.get(self.key_owner, self._authenticate)
            answer = await self._job_services().track_and_trace(key, wanted, language)
            code = parse.result_code(answer)
            if code not in codes.KEY_REFUSED:
                return code, answer
            KEYS.invalidate(self.key_owner, key)
        raise AuthError(f"{self.key}: key refused after a new Authenticate (Result {code})")

    async def _track_one(self, number: str, language: str) -> TrackingResult:
        from carriers.geniki import codes, parse

        wanted = squash(number)
        code, answer = await self._trace(wanted, language)
        if code in codes.UNKNOWN_VOUCHER:
            return TrackingResult(
                number=number, not_found=True, carrier_url=self.public_url(wanted)
            )
        if code != codes.OK:
            self._raise_for(code, "TrackAndTrace")
            raise CarrierUnavailable(f"{self.key}: TrackAndTrace answered Result {code}")
        result = parse.parse_answer(number, answer)
        result.carrier_url = self.public_url(wanted)
        return result
