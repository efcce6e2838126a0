"""ELTA Courier (ΕΛΤΑ Courier, Hellenic Post's courier) through its tracing web service.

Documentation: ELTA Courier's web services documentation, which ELTA Courier hands to
customers with the WSDLs (tracing.html for PELTT01, with a "Συνήθη προβλήματα" page on
credentials and the service address), published in the public ``chinchillabrains/eltaws``
integration: https://github.com/chinchillabrains/eltaws/tree/master/src/ws/docs. The WSDL
is shipped in ``wsdl/``, reconstructed from that documentation, and loaded from disk by
:mod:`carriers.elta.soap`; calls go through zeep over Doorstep's httpx client.

``READ`` is asked one voucher at a time (``wpel_flag`` 1), with the sender's master code
(``WPEL_CODE``, the part before any sub-code), the user code and its password. The answer
is ``st_flag`` 0 with the voucher's movements, or 1 to 99 with an error title: refused
credentials ("Λάθος Κωδικός") are :class:`AuthError`, an unknown voucher ``not_found``, any
other error the service's trouble. The service takes no language (titles are Greek) and
offers no push. ELTA Courier vouchers are UPU S10 numbers ending ``GR``, Hellenic Post's
own, so detection proposes this adapter for every S10 number from Greece.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from carriers.base import (
    AuthError,
    CarrierAdapter,
    CarrierUnavailable,
    NumberHint,
    TrackingResult,
)
from carriers.parsing import squash

if TYPE_CHECKING:
    from carriers.elta.soap import TracingService


class EltaAdapter(CarrierAdapter):
    """ELTA Courier vouchers (and Hellenic Post items with an S10 number)."""

    key = "elta"
    display_name = "ELTA Courier"
    local_names = {"el": "ΕΛΤΑ"}
    tracking_url = "https://www.elta-courier.gr/search?br={number}"
    #: The address the documentation gives (a port to open in the firewall: 9003).
    default_base_url = "http://212.205.47.226:9003"
    batch_size = 1
    #: No figure is published; one call a second keeps well clear of trouble.
    rate_limit = 1.0
    supports_push = False
    credential_fields: ClassVar[dict[str, str]] = {
        "sender_code": "Sender (customer) code, without the sub-code (WPEL_CODE)",
        "user_code": "User code (WPEL_USER)",
        "password": "Password (WPEL_PASS)",
    }
    postal_countries = frozenset({"GR"})

    _service: TracingService | None = None

    def _tracing_service(self) -> TracingService:
        if self._service is None:
            from carriers.elta.soap import TracingService

            self._service = TracingService(self.base_url, self.client, timeout=self.timeout)
        return self._service

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        missing = [name for name in self.credential_fields if not self.credentials.get(name)]
        if numbers and missing:
            raise AuthError(f"{self.key}: missing credentials: {', '.join(missing)}")
        return await self.one_by_one(numbers, self._track_one)

    async def _track_one(self, number: str) -> TrackingResult:
        from carriers.elta import codes, parse

        wanted = squash(number)
        answer = await self._tracing_service().read(
            wanted,
            code=self.credentials["sender_code"],
            user=self.credentials["user_code"],
            password=self.credentials["password"],
        )
        flag, title = parse.answer_flag(answer)
        if flag != 0:
            if codes.refused(title):
                raise AuthError(f"{self.key}: credentials rejected ({title})")
            if codes.unknown_voucher(title):
                return TrackingResult(
                    number=number, not_found=True, carrier_url=self.public_url(wanted)
                )
            raise CarrierUnavailable(f"{self.key}: error {flag} ({title or 'no title'})")
        result = parse.parse_answer(number, answer)
        result.carrier_url = self.public_url(wanted)
        return result
