"""Phone numbers in one form, E.164 (``+48601234567``), through the ``phonenumbers`` library.

Numbers arrive from the API, CSV imports and Twilio replies in every local spelling; the
database keeps E.164 only, so a reply from ``+48 601 234 567`` finds the customer stored
from ``601-234-567`` with a Polish address.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

#: Numbers whose answer (E.164 or None) a process keeps: parsing and validating one costs
#: about 40 µs, and the same numbers come back (each message to a customer, the replies).
CACHED_NUMBERS = 4096


def to_e164(number: str | None, region: str | None = None) -> str | None:
    """A phone number as E.164, or None when it is not a valid number.

    ``region`` (an ISO country code, any case) reads numbers written without ``+``.
    The answer for a number is kept (:data:`CACHED_NUMBERS`), a refusal as much as an
    E.164 form: the library's metadata does not change while a process runs.
    """
    if not number:
        return None
    return _to_e164(number, (region or "").upper() or None)


@lru_cache(maxsize=CACHED_NUMBERS)
def _to_e164(number: str, region: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
