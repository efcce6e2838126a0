"""Short links to a return for text messages: ``/d/<rma>/<mac>`` and ``/r/<rma>/<mac>``.

A two-segment SMS in Cyrillic or Greek holds 134 characters; the long signed links
(:func:`portal.returns.labels.drop_off_url`, :func:`portal.core.links.follow_url`, about
100 characters with the portal's address) left room for half a sentence. These name the
RMA in the path and add a truncated HMAC of the shop and the RMA
(:mod:`portal.core.short_tokens`, 14 characters), so the link is the portal's address plus
26 characters. They open the same pages as the long links, which stay on labels, QR codes
and e-mails and keep working wherever they were sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.core import short_tokens
from portal.models import ReturnRequest
from portal.settings import Settings


@dataclass(frozen=True, slots=True)
class ShortLink:
    """One kind of short link: its path and the purpose its mac is keyed for."""

    path: str
    purpose: str

    def url(self, settings: Settings, merchant_id: int, number: str) -> str:
        code = short_tokens.mac(settings, self.purpose, merchant_id, number)
        return f"{settings.public_base_url}{self.path}/{number}/{code}"

    async def find(self, settings: Settings, number: str, code: str) -> ReturnRequest | None:
        """The return the link names, or None when the mac is not genuine for it.

        RMA numbers are unique per shop only, so each shop's return of that number is
        tried (almost always one); the mac binds the shop, so a code made for one shop's
        return never opens another shop's return of the same number.
        """
        if not short_tokens.MAC_SHAPE.fullmatch(code):
            return None
        for row in await ReturnRequest.filter(number=number[:32]).order_by("id"):
            if short_tokens.is_valid(settings, self.purpose, code, row.merchant_id, row.number):
                return row
        return None


#: The drop-off code (the page the label's QR code opens), from the approval SMS.
DROP_OFF = ShortLink(path="/d", purpose="return-drop-off-sms")
#: The customer's own return page, from the other return messages.
FOLLOW = ShortLink(path="/r", purpose="returns-follow-sms")
