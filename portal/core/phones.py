"""Phone numbers in one form, E.164 (``+48601234567``), through the ``phonenumbers`` library.

Numbers arrive from the API, CSV imports and Twilio replies in every local spelling; the
database keeps E.164 only, so a reply from ``+48 601 234 567`` finds the customer stored
from ``601-234-567`` with a Polish address.
"""

from __future__ import annotations

import phonenumbers


def to_e164(number: str | None, region: str | None = None) -> str | None:
    """A phone number as E.164, or None when it is not a valid number.

    ``region`` (an ISO country code, any case) reads numbers written without ``+``.
    """
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
