"""Finding shipments for a customer, in three privacy tiers.

* **number**: a tracking number alone shows the parcel's journey, never a name, an address
  or what was ordered. The pickup point a parcel waits at (a public locker, shop or post
  office, with its deadline) is shown, its pickup code never.
* **order**: order number + email or postcode (or a signed link from a message) shows the
  whole order with a masked address, and the locker's pickup code.

A lookup that fails looks the same whatever the reason: an unknown number and another
merchant's number run the same single query and produce the same answer, so the page
never tells whether a number exists elsewhere.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from functools import lru_cache, partial
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from tortoise import connections
from tortoise.expressions import Q
from tortoise.fields import Field
from tortoise.fields.data import CharEnumFieldInstance, DatetimeField
from tortoise.models import Model
from tortoise.timezone import get_default_timezone, get_use_tz

from carriers.detection import is_plausible, normalise
from portal.models import Customer, Merchant, Order, Shipment
from portal.tracking_page import events
from portal.tracking_page.cache import TTLCache

#: Most numbers one paste may ask about.
MAX_NUMBERS = 20
_SPLIT = re.compile(r"[\n\r,;]+")
_POSTCODE_JUNK = re.compile(r"[\s\-]+")
M = TypeVar("M", bound=Model)


class Outcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    MALFORMED = "malformed"


@dataclass(slots=True)
class NumberResult:
    """One pasted number and what became of it."""

    entered: str
    number: str
    outcome: Outcome
    shipment: Shipment | None = None


class PageCustomer(NamedTuple):
    """What a page reads of an order's customer, with the shipment or order it looked up:
    where she is (``zone_for``) and the language she speaks (her signed link's and order
    page's, before the shop's). A plain row, so a page never asks whether a relation was
    fetched, nor reads her again to render."""

    time_zone: str | None
    country: str | None
    locale: str | None


#: Set on a shipment or order a page's lookup read: its customer (a PageCustomer, or None).
_CUSTOMER = "_page_customer"


def customer_read(found: Shipment | Order) -> PageCustomer | None:
    """The customer read with ``found`` by a page's lookup (``find_by_numbers``,
    ``find_signed``, ``find_order``); None when its order has none. A shipment or order
    read otherwise raises: rendering it would take the wrong clock and language, or read
    her again."""
    try:
        read: PageCustomer | None = getattr(found, _CUSTOMER)
    except AttributeError:
        raise LookupError(f"{found!r} was not read by a page's lookup") from None
    return read


def page_customer(customer: Customer | None) -> PageCustomer | None:
    """The page's row of a customer the ORM fetched with the order (``select_related``)."""
    if customer is None:
        return None
    return PageCustomer(customer.time_zone, customer.country, customer.locale)


async def find_signed(shipment_id: int) -> Shipment | None:
    """The shipment a signed link names, with its shop, order and the order's customer in
    one statement; the customer kept as the page's row (``customer_read``)."""
    shipment = (
        await Shipment.filter(id=shipment_id).select_related("merchant", "order__customer").first()
    )
    if shipment is not None:
        order = shipment.order
        customer = page_customer(order.customer) if order is not None else None
        object.__setattr__(shipment, _CUSTOMER, customer)
    return shipment


class PageMerchant(NamedTuple):
    """What a parcel's page reads of its shop: its brand (``brand_of``), its time zone
    (``zone_for``), its slug (the returns link) and its language (the page's when the
    visitor asked for none, ``portal.web.shop_language``). A plain row: building the whole
    Merchant model, five JSON columns decoded, on every uncached page was CPU the page
    never used (benchmarks/README.md, issue 20 item 1)."""

    id: int
    slug: str
    name: str
    #: Read-only: one shop's row is shared by its parcels' pages (``_page_merchant``).
    branding: Mapping[str, Any]
    time_zone: str
    default_locale: str


class PageOrder(NamedTuple):
    """What a parcel's page reads of its order at the number tier: whose it is and
    where it goes (``zone_for``); the order tier reads the Order model."""

    id: int
    customer_id: int | None
    ship_country: str | None
    #: The state of a country of several clocks (a US address) names its zone.
    ship_region: str | None


#: The page's plain rows' columns, in their fields' order.
_PAGE_MERCHANT = PageMerchant._fields
_PAGE_ORDER = PageOrder._fields
#: Set on a shipment read for its page (``with_events``): (PageMerchant, PageOrder | None).
_PARTIES = "_page_parties"


def parties(
    shipment: Shipment,
) -> tuple[Merchant | PageMerchant, Order | PageOrder | None]:
    """The shop and order of ``shipment`` as they were read with it: plain rows when it
    was read for its page, else the models ``select_related`` fetched."""
    read: tuple[PageMerchant, PageOrder | None] | None = getattr(shipment, _PARTIES, None)
    if read is not None:
        return read
    return shipment.merchant, shipment.order


class TooManyNumbers(ValueError):
    """More than :data:`MAX_NUMBERS` numbers were pasted at once."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} numbers pasted, at most {MAX_NUMBERS} allowed")
        self.count = count


def _pieces(line: str) -> list[str]:
    """One line split on spaces, unless the parts are too short to be numbers themselves:
    then it is one number written in groups (``1Z 999 AA1 01 2345 6784``)."""
    parts = line.split()
    if len(parts) > 1 and not all(is_plausible(p) for p in parts):
        return [line]
    return parts


def parse_numbers(text: str) -> list[str]:
    """The distinct numbers pasted one per line, or separated by commas, semicolons or
    spaces, in order; raises :class:`TooManyNumbers` past :data:`MAX_NUMBERS`."""
    pieces = [p for line in _SPLIT.split(text) if line.strip() for p in _pieces(line.strip())]
    seen: dict[str, str] = {}
    for piece in pieces:
        seen.setdefault(normalise(piece), piece)
    if len(seen) > MAX_NUMBERS:
        raise TooManyNumbers(len(seen))
    return list(seen.values())


async def merchant_by_slug(slug: str | None) -> Merchant | None:
    if not slug:
        return None
    return await Merchant.get_or_none(slug=slug[:64])


async def merchant_id_by_slug(slug: str, cache: TTLCache | None = None) -> int | None:
    """The id of the shop called ``slug`` (None when there is none), cached like lookups."""

    async def fill() -> int | None:
        merchant = await merchant_by_slug(slug)
        return merchant.id if merchant else None

    if cache is None:
        return await fill()
    return await cache.get_or_fill(("shop", slug[:64]), fill)


def _columns(model: type[Model]) -> list[str]:
    """The model's columns (its foreign keys' ``…_id`` are known once Tortoise started)."""
    return list(model._meta.fields_db_projection.values())


@lru_cache(maxsize=8 * MAX_NUMBERS)
def _numbered_sql(count: int, scoped: bool, postgres: bool, with_events: bool = False) -> str:
    """The query ``Shipment.filter(tracking_number__in=…).select_related("merchant",
    "order")`` builds, written once per shape: building it through the ORM's query builder
    on every page was a third of an uncached page's CPU (benchmarks/README.md). Each row
    then has the order's customer's time zone and country (the page's time zone: a third
    statement a page before) and language, and with ``with_events`` the shipment's events
    (``events.events_select``) and, of its shop and order, only the page's columns
    (``PageMerchant``, ``PageOrder``)."""
    marks = [f"${n}" if postgres else "?" for n in range(1, count + 2)]
    where = f's."tracking_number" IN ({", ".join(marks[:count])})'
    if scoped:
        where += f' AND s."merchant_id" = {marks[count]}'
    merchant_columns, order_columns = _columns(Merchant), _columns(Order)
    if with_events:
        merchant_columns, order_columns = list(_PAGE_MERCHANT), list(_PAGE_ORDER)
    columns = ", ".join(
        f'{alias}."{column}"'
        for columns, alias in (
            (_columns(Shipment), "s"),
            (merchant_columns, "m"),
            (order_columns, "o"),
        )
        for column in columns
    )
    columns += ", " + ", ".join(f'c."{column}"' for column in PageCustomer._fields)
    events_join = ""
    if with_events:
        events_columns, events_join = events.events_select("s", postgres)
        columns += ", " + events_columns
    return (
        f'SELECT {columns} FROM "{Shipment._meta.db_table}" s '
        f'JOIN "{Merchant._meta.db_table}" m ON m."id" = s."merchant_id" '
        f'LEFT JOIN "{Order._meta.db_table}" o ON o."id" = s."order_id" '
        f'LEFT JOIN "{Customer._meta.db_table}" c ON c."id" = o."customer_id" '
        f"{events_join + ' ' if events_join else ''}"
        # Newest first, so that when two shops imported one parcel the latest import wins.
        f'WHERE {where} ORDER BY s."created_at" DESC, s."id" DESC'
    )


class _Plan(NamedTuple):
    """How one model is built from its columns' values, in ``_columns`` order."""

    attributes: tuple[str, ...]
    #: (position, attribute, converter) of the columns the driver does not give as is.
    converted: tuple[tuple[int, str, Callable[[Any], Any]], ...]
    custom_generated_pk: bool


def _as(kind: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else kind(value)


def _converter(model_field: Field[Any]) -> Callable[[Any], Any]:
    """``field.to_python_value``, or a shorter way to the same value for the columns a
    page reads most: a shipment's eleven date-times and three enums were three fifths of
    building it (benchmarks/README.md, issue 20 item 1)."""
    if isinstance(model_field, DatetimeField) and get_use_tz():
        return partial(_aware, get_default_timezone(), model_field.to_python_value)
    if isinstance(model_field, CharEnumFieldInstance):
        members = {member.value: member for member in model_field.enum_type}
        return partial(_member, members, model_field.to_python_value)
    return model_field.to_python_value


def _aware(zone: tzinfo, convert: Callable[[Any], Any], value: Any) -> Any:
    """A ``DatetimeField``'s value with ``use_tz``: an aware date-time in the default
    zone. The driver's own UTC ones straight (Tortoise's path for them: ``astimezone``),
    anything else through ``convert``, the field's own."""
    if type(value) is datetime and value.tzinfo is UTC:
        return value.astimezone(zone)
    return convert(value)


def _member(members: Mapping[Any, Any], convert: Callable[[Any], Any], value: Any) -> Any:
    """A ``CharEnumField``'s member by its stored value (what ``enum_type(value)`` finds),
    anything else through ``convert``, the field's own (None, or its error)."""
    member = members.get(value)
    return convert(value) if member is None else member


@lru_cache(maxsize=16)
def _plan(model: type[Model], dialect: str) -> _Plan:
    """The model's plan on this database engine: which columns its driver converts itself
    differs between them (Tortoise's ``db_native_fields``)."""
    meta = model._meta
    position = {column: i for i, column in enumerate(_columns(model))}
    attribute = {key: name for key, name, _ in meta.db_native_fields}
    converted: list[tuple[int, str, Callable[[Any], Any]]] = []
    for key, name, default in meta.db_default_fields:
        attribute[key] = name
        converted.append((position[key], name, partial(_as, default.field_type)))
    for key, name, complex_field in meta.db_complex_fields:
        attribute[key] = name
        converted.append((position[key], name, _converter(complex_field)))
    return _Plan(
        tuple(attribute[column] for column in position),
        tuple(converted),
        meta.db_pk_column not in meta.generated_db_fields,
    )


def _model_of(model: type[M], dialect: str, values: Sequence[Any]) -> M:
    """The instance ``model._init_from_db`` builds from these column values (in
    ``_columns`` order), without its keyword dict and per-field branches: three models a
    page were a tenth of an uncached page's CPU (benchmarks/README.md, issue 20)."""
    plan = _plan(model, dialect)
    instance = model.__new__(model)
    state = instance.__dict__
    state["_partial"] = False
    state["_saved_in_db"] = True
    state["_custom_generated_pk"] = plan.custom_generated_pk
    state["_await_when_save"] = {}
    state.update(zip(plan.attributes, values, strict=True))
    for i, name, convert in plan.converted:
        state[name] = convert(values[i])
    return instance


_BRANDING = Merchant._meta.fields_map["branding"]


@lru_cache(maxsize=1024)
def _page_merchant(
    id: int, slug: str, name: str, branding: str | None, time_zone: str, default_locale: str
) -> PageMerchant:
    """A shop's row from its columns as read, the branding decoded as the Merchant
    model's JSON field decodes it; remembered by those columns (shops are few, their
    parcels many), so a changed row is a new entry, never a stale one."""
    decoded = _BRANDING.to_python_value(branding)
    read_only = MappingProxyType(decoded if isinstance(decoded, dict) else {})
    return PageMerchant(id, slug, name, read_only, time_zone, default_locale)


def _page_parties(
    merchant: Sequence[Any], order: Sequence[Any]
) -> tuple[PageMerchant, PageOrder | None]:
    """The page's plain rows from their columns (``_numbered_sql`` with events)."""
    # the order's id: none for a parcel without one
    return _page_merchant(*merchant), (PageOrder._make(order) if order[0] is not None else None)


async def _shipments_numbered(
    wanted: list[str], merchant_id: int | None, with_events: bool = False
) -> dict[str, Shipment]:
    """Each wanted number's shipment with its merchant and order, in one plain query; the
    models are built as the ORM's ``select_related`` builds them, the order's customer
    kept as a ``PageCustomer`` (``customer_read``). With ``with_events`` the same
    statement reads each shipment's events (``events.attached``), and its shop and order
    come as the page's plain rows (``parties``) instead of models."""
    conn = connections.get("default")
    dialect = conn.capabilities.dialect
    postgres = dialect == "postgres"
    sql = _numbered_sql(len(wanted), merchant_id is not None, postgres, with_events)
    params: list[Any] = [*wanted, merchant_id] if merchant_id is not None else list(wanted)
    _, rows = await conn.execute_query(sql, params)
    merchant_count, order_count = len(_columns(Merchant)), len(_columns(Order))
    if with_events:
        merchant_count, order_count = len(_PAGE_MERCHANT), len(_PAGE_ORDER)
    first_merchant = len(_columns(Shipment))
    first_order = first_merchant + merchant_count
    end = first_order + order_count
    found: dict[str, Shipment] = {}
    for row in rows:
        values = tuple(row)
        shipment = _model_of(Shipment, dialect, values[:first_merchant])
        merchant: Merchant | PageMerchant
        order: Order | PageOrder | None = None
        if with_events:
            merchant, order = _page_parties(
                values[first_merchant:first_order], values[first_order:end]
            )
            object.__setattr__(shipment, _PARTIES, (merchant, order))
            events.attach(shipment, values[end + len(PageCustomer._fields) :], postgres)
        else:
            merchant = _model_of(Merchant, dialect, values[first_merchant:first_order])
            if values[first_order] is not None:  # the order's id: none without one
                order = _model_of(Order, dialect, values[first_order:end])
            object.__setattr__(shipment, "_merchant", merchant)
            object.__setattr__(shipment, "_order", order)
        customer = None
        if order is not None and order.customer_id is not None:
            customer = PageCustomer._make(values[end : end + len(PageCustomer._fields)])
        object.__setattr__(shipment, _CUSTOMER, customer)
        found.setdefault(normalise(shipment.tracking_number), shipment)
    return found


async def find_by_numbers(
    entered: list[str],
    *,
    merchant_id: int | None = None,
    cache: TTLCache | None = None,
    with_events: bool = False,
) -> list[NumberResult]:
    """Each entered number with its shipment, in one query whatever their count.

    With ``merchant_id`` only that merchant's shipments count (a branded page); another
    merchant's number is then exactly as unknown as a number nobody has. With ``cache``
    the same numbers asked again within its TTL reuse the rows found (or not found), so a
    busy parcel's page costs no query; a change shows once the entry expires. With
    ``with_events`` the shipments' events come in the same statement (one parcel's page).
    """
    results = [
        NumberResult(
            raw,
            normalise(raw),
            Outcome.NOT_FOUND if is_plausible(raw) else Outcome.MALFORMED,
        )
        for raw in entered
    ]
    wanted = sorted(
        {r.number for r in results if r.outcome is Outcome.NOT_FOUND}
        | {r.entered.strip() for r in results if r.outcome is Outcome.NOT_FOUND}
    )
    found: dict[str, Shipment] = {}
    if wanted and cache is None:
        found = await _shipments_numbered(wanted, merchant_id, with_events)
    elif wanted and cache is not None:
        found = await cache.get_or_fill(
            ("numbers", tuple(wanted), merchant_id, with_events),
            lambda: _shipments_numbered(wanted, merchant_id, with_events),
        )
    for result in results:
        if result.outcome is Outcome.NOT_FOUND and result.number in found:
            result.outcome = Outcome.FOUND
            result.shipment = found[result.number]
    return results


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def normalise_postcode(value: str) -> str:
    return _POSTCODE_JUNK.sub("", value).upper()


def contact_matches(order: Order, contact: str, customer_email: str | None = None) -> bool:
    """True when ``contact`` is the order's email (any case) or its shipping postcode."""
    contact = contact.strip()
    if not contact:
        return False
    if "@" in contact:
        emails = [e for e in (order.email, customer_email) if e]
        return any(_same(contact.lower(), e.strip().lower()) for e in emails)
    postcode = normalise_postcode(order.ship_postal_code or "")
    return bool(postcode) and _same(normalise_postcode(contact), postcode)


def _order_numbers(entered: str) -> list[str]:
    """The number as typed and with or without a leading ``#`` (shops print either)."""
    bare = entered.strip().lstrip("#").strip()
    return [n for n in dict.fromkeys([entered.strip(), bare, f"#{bare}"]) if n][:3]


async def find_order(
    order_number: str, contact: str, *, merchant_id: int | None = None
) -> Order | None:
    """The order with this number whose email or postcode is ``contact``, else None; its
    customer, read with it, kept as the page's row (``customer_read``)."""
    if not order_number.strip() or not contact.strip() or len(order_number) > 64:
        return None
    # Shops print order numbers in capitals; customers type them in any case.
    same_number = Q(*(Q(number__iexact=n) for n in _order_numbers(order_number)), join_type="OR")
    query = Order.filter(same_number).select_related("customer")
    if merchant_id is not None:
        query = query.filter(merchant_id=merchant_id)
    match = None
    for order in await query.order_by("id"):
        customer_email = order.customer.email if order.customer else None
        if contact_matches(order, contact, customer_email) and match is None:
            match = order  # keep checking the rest: the time taken does not depend on a match
    if match is not None:
        object.__setattr__(match, _CUSTOMER, page_customer(match.customer))
    return match


# --- masking for the order tier ----------------------------------------------------------


def mask_word(word: str) -> str:
    """``Dąbrowska`` → ``D***``; numbers and abbreviations (``ul.``) stay as they are."""
    if not word or word.endswith(".") or not any(ch.isalpha() for ch in word):
        return word
    return f"{word[0]}***"


def mask_words(text: str) -> str:
    return " ".join(mask_word(w) for w in text.split())


def mask_postcode(postcode: str) -> str:
    """Keep the first half of the letters and digits: ``31-123`` → ``31-1**``."""
    total = sum(ch.isalnum() for ch in postcode)
    keep = (total + 1) // 2
    out = []
    for ch in postcode.strip():
        if ch.isalnum():
            out.append(ch if keep > 0 else "*")
            keep -= 1
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class MaskedAddress:
    name: str
    lines: tuple[str, ...] = field(default_factory=tuple)
    city_line: str = ""
    country: str = ""

    def __str__(self) -> str:
        parts = [self.name, *self.lines, self.city_line]
        return ", ".join(p for p in parts if p)


def masked_address(order: Order) -> MaskedAddress:
    """The shipping address with names and streets reduced to initials, e.g.
    ``J*** S***, ul. D*** 1, 31-1** Kraków``."""
    lines = tuple(mask_words(line) for line in (order.ship_line1, order.ship_line2) if line)
    city = " ".join(p for p in (mask_postcode(order.ship_postal_code or ""), order.ship_city) if p)
    return MaskedAddress(
        name=mask_words(order.ship_name or ""),
        lines=lines,
        city_line=city,
        country=order.ship_country or "",
    )
