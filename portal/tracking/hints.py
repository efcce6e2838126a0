"""What the shop knows about a tracked parcel that some carriers ask for.

A :class:`carriers.base.NumberHint` carries the customer's language (a carrier whose API
words its events in several languages is asked in it), the recipient's phone in E.164
(Nova Poshta returns full details only with it) and the destination postcode. They are
read only for adapters that set ``accepts_hints``, in one query per batch whatever its
size, and :func:`track_numbers` calls every other adapter exactly as before hints existed, so a
plugin written against the older contract (``track(numbers)``) keeps working.

Where each part comes from: the language is the customer's own (``Customer.locale``,
``pl_PL`` read as ``pl``), else the shop's default language, which is also the one our
messages to that customer use; the phone is the customer's, read as E.164 with the
customer's or the delivery address's country; the postcode is the order's delivery
address. A parcel tracked without an order (a number typed into the workspace) has no
customer to ask about: its hint is empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from carriers.base import NO_HINT, CarrierAdapter, NumberHint, TrackingResult
from portal.core.phones import to_e164
from portal.models import Shipment

#: The columns a hint is made of, as Tortoise paths from a shipment.
_FIELDS = (
    "id",
    "order_id",
    "order__ship_postal_code",
    "order__ship_country",
    "order__customer_id",
    "order__customer__locale",
    "order__customer__phone",
    "order__customer__country",
    "merchant__default_locale",
)


def language_of(locale: str | None) -> str | None:
    """The ISO 639-1 language of a locale (``pt-BR`` → ``pt``), None when it is not one."""
    if not locale:
        return None
    language = locale.replace("-", "_").split("_")[0].strip().lower()
    return language if len(language) == 2 and language.isascii() and language.isalpha() else None


def hint_from(row: Mapping[str, Any]) -> NumberHint:
    """A hint from one row of :data:`_FIELDS` (pure: no query)."""
    if row.get("order_id") is None:
        return NO_HINT
    postcode = str(row.get("order__ship_postal_code") or "").strip() or None
    if row.get("order__customer_id") is None:
        return NumberHint(postal_code=postcode) if postcode else NO_HINT
    region = row.get("order__customer__country") or row.get("order__ship_country") or None
    return NumberHint(
        language=language_of(row.get("order__customer__locale"))
        or language_of(row.get("merchant__default_locale")),
        phone=to_e164(row.get("order__customer__phone"), region),
        postal_code=postcode,
    )


async def hints_for(shipment_ids: Sequence[int]) -> dict[int, NumberHint]:
    """Hints for these shipments by id, in one query (none for an empty list)."""
    if not shipment_ids:
        return {}
    rows = await Shipment.filter(id__in=list(shipment_ids)).values(*_FIELDS)
    return {int(row["id"]): hint_from(row) for row in rows}


async def hint_for(shipment: Shipment) -> NumberHint:
    """The hint for one shipment (the on-view refresh)."""
    return (await hints_for([shipment.id])).get(shipment.id, NO_HINT)


async def track_numbers(
    adapter: CarrierAdapter,
    numbers: Sequence[str],
    hints: Mapping[str, NumberHint] | None = None,
    digests: Mapping[str, str] | None = None,
) -> list[TrackingResult]:
    """``adapter.track`` with the hints when it takes them, without them otherwise;
    ``adapter.track_known`` when it takes the digests of the last answers."""
    if adapter.accepts_digests:
        given = dict(hints or {}) if adapter.accepts_hints else None
        return await adapter.track_known(numbers, given, dict(digests or {}))
    if adapter.accepts_hints:
        return await adapter.track(numbers, dict(hints or {}))
    return await adapter.track(numbers)
