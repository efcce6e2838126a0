"""PrestaShop 1.7/8.x through its Webservice (``/api``, the key as HTTP Basic username).

HTTP here, pure parsing in the ``parse_*`` functions. Every read asks for JSON
(``output_format=JSON``) and full records (``display=full``); listings are paged with
``limit=offset,count`` in id order, so a page boundary never moves while the shop takes
orders. An order's customer, address, parcels (``order_carriers``) and carrier names
are read for a whole page at once with ``filter[id]=[1|2|…]``. Dates carry no offset:
they are the shop's own time zone (the ``PS_TIMEZONE`` configuration).

PrestaShop core has no signed webhooks: the sync is the backfill plus the periodic
reconciliation, which reads the orders whose ``date_upd`` moved (``date=1`` and
``filter[date_upd]=[from,to]``). An order's ``id_lang`` is the language the customer
shopped in; the shop's ``languages`` give its locale, read once per client (one sync).
Writes are XML, the only body the Webservice documents.
Shapes: https://devdocs.prestashop-project.org/8/webservice/ (see
tests/fixtures/prestashop/SOURCE.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import httpx

from portal import i18n
from portal.core.timezones import zone_or_none
from portal.i18n import lazy
from portal.platforms.base import (
    Page,
    PlatformError,
    Revoked,
    ShopAddress,
    ShopCustomer,
    ShopItem,
    ShopOrder,
    ShopParcel,
    ShopProduct,
    ShopVariant,
)
from portal.platforms.transport import Transport

log = logging.getLogger(__name__)

CREDENTIAL_FIELDS = ("api_key",)
#: Configuration values read once per run: the shop's name and time zone, and the order
#: states Doorstep reads (cancelled, refunded) and writes (shipped, delivered).
CONFIGURATION = (
    "PS_SHOP_NAME",
    "PS_TIMEZONE",
    "PS_OS_SHIPPING",
    "PS_OS_DELIVERED",
    "PS_OS_CANCELED",
    "PS_OS_REFUND",
)
#: A ``languages`` row's fields read: see :func:`language_tag` for why not ``iso_code`` alone.
LANGUAGE_FIELDS = "[id,iso_code,locale,language_code]"
#: Told as the connection's last error while the key may not read ``languages`` (a key made
#: before Doorstep read them); cleared by the first sync that reads them.
LANGUAGES_REFUSED = lazy(
    "Customers' languages are not read: give this key the 'languages' permission (GET) "
    "in PrestaShop's Webservice settings."
)
#: Ids per ``filter[id]=[…|…]``: keeps the address well under common URL limits.
ID_CHUNK = 100
#: Our tracking statuses that move a PrestaShop order to its shipped or delivered state.
STATE_FOR_STATUS = {
    "in_transit": "PS_OS_SHIPPING",
    "out_for_delivery": "PS_OS_SHIPPING",
    "available_for_pickup": "PS_OS_SHIPPING",
    "delivered": "PS_OS_DELIVERED",
}
NO_DATE = "0000-00-00"


@dataclass(frozen=True)
class ShopSettings:
    """What the shop's configuration says, read once per client."""

    name: str
    zone: tzinfo
    #: Configuration name (``PS_OS_CANCELED`` …) -> order state id.
    states: dict[str, str]
    #: Order state id -> its name (the first language).
    state_names: dict[str, str]
    #: Currency id -> ISO code.
    currencies: dict[str, str]


@dataclass
class Related:
    """The records a page of orders points at, by id."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    addresses: dict[str, dict[str, Any]] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    carriers: dict[str, str] = field(default_factory=dict)
    #: Order id -> its ``order_carriers`` rows.
    order_carriers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Order id -> its ``order_histories`` rows (read for cancelled orders only).
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Language id -> its locale (``en-GB``; see :func:`language_tag`).
    languages: dict[str, str] = field(default_factory=dict)


def listing(body: Any, resource: str) -> list[dict[str, Any]]:
    """A listing's records. An empty listing is ``[]`` rather than ``{"orders": []}``
    in JSON (PrestaShop issues #10172, #22760), so both mean "none"."""
    if isinstance(body, list):
        if body:
            raise PlatformError(f"PrestaShop answered the {resource} listing with a list.")
        return []
    if not isinstance(body, dict):
        raise PlatformError(f"PrestaShop answered the {resource} listing with something else.")
    records = body.get(resource) or []
    return [r for r in records if isinstance(r, dict)]


def text(value: Any) -> str:
    """A field that may be multilingual: ``[{"id": "1", "value": …}, …]`` gives the first
    language's value; a shop with one language sends the bare string."""
    if isinstance(value, list):
        return str(value[0].get("value") or "") if value and isinstance(value[0], dict) else ""
    return "" if value is None else str(value)


def parse_time(value: Any, zone: tzinfo) -> datetime | None:
    """``2026-11-02 09:00:00`` in the shop's zone, as UTC; the empty date is None."""
    if not value or str(value).startswith(NO_DATE):
        return None
    try:
        local = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return local.replace(tzinfo=zone).astimezone(UTC)


def shop_time(moment: datetime, zone: tzinfo) -> str:
    """A moment as the shop writes its dates, for ``filter[date_upd]``."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _money(value: Any) -> Decimal:
    try:
        return abs(Decimal(str(value or "0")))
    except ArithmeticError:
        return Decimal("0")


def _zone(name: str | None) -> tzinfo:
    """The shop's ``PS_TIMEZONE``; UTC when it is missing or no zone (``zone_or_none``)."""
    return zone_or_none(name) or UTC


def parse_settings(
    configuration: Sequence[dict[str, Any]],
    states: Sequence[dict[str, Any]],
    currencies: Sequence[dict[str, Any]],
) -> ShopSettings:
    values: dict[str, str] = {}
    for row in configuration:  # one row per shop in a multistore: the first is the default
        values.setdefault(str(row.get("name")), text(row.get("value")))
    return ShopSettings(
        name=values.get("PS_SHOP_NAME") or "PrestaShop",
        zone=_zone(values.get("PS_TIMEZONE")),
        states={k: v for k, v in values.items() if k.startswith("PS_OS_") and v},
        state_names={str(s["id"]): text(s.get("name")) for s in states},
        currencies={str(c["id"]): text(c.get("iso_code")) for c in currencies},
    )


def item_sku(row: dict[str, Any]) -> str:
    """The row's reference, else ``ps-<product>[-<combination>]`` like the catalogue's."""
    reference = text(row.get("product_reference")).strip()
    if reference:
        return reference
    return _sku(str(row.get("product_id")), str(row.get("product_attribute_id") or "0"))


def _sku(product_id: str, combination_id: str) -> str:
    return (
        f"ps-{product_id}" if combination_id in ("", "0") else f"ps-{product_id}-{combination_id}"
    )


def parse_parcels(rows: Iterable[dict[str, Any]], carriers: dict[str, str]) -> list[ShopParcel]:
    """An order's ``order_carriers`` rows that carry a tracking number."""
    return [
        ShopParcel(
            fulfilment_id=str(row["id"]),
            tracking_number=text(row.get("tracking_number")).strip(),
            carrier_name=carriers.get(str(row.get("id_carrier"))) or None,
        )
        for row in rows
        if text(row.get("tracking_number")).strip()
    ]


def _customer(record: dict[str, Any] | None, phone: str | None) -> ShopCustomer | None:
    if record is None:
        return None
    email = text(record.get("email")).strip().lower()
    name = " ".join(p for p in (text(record.get("firstname")), text(record.get("lastname"))) if p)
    return ShopCustomer(
        external_id=str(record["id"]),
        email=email or None,
        phone=phone,
        name=name,
        # The newsletter box grants e-mail; an unticked box is PrestaShop's default for a
        # customer never asked, so it withdraws nothing. ``optin`` (partners' offers) and
        # text messages have no counterpart here.
        email_consent=True if text(record.get("newsletter")) == "1" else None,
    )


def language_tag(row: dict[str, Any]) -> str:
    """A ``languages`` row's language: its ``locale`` (``en-GB``), else its
    ``language_code`` (``en-gb``), else its ``iso_code``. The ``iso_code`` is not ISO 639-1:
    PrestaShop's language packs name English (GB) ``gb``, so it is read only when a shop
    left both others empty (both are optional in the resource's schema)."""
    for name in ("locale", "language_code", "iso_code"):
        value = text(row.get(name)).strip()
        if value:
            return value
    return ""


def order_locale(order: dict[str, Any], languages: dict[str, str]) -> str | None:
    """The shipped language of the order's ``id_lang`` (``ru``), or None: an unknown id,
    or a language Doorstep does not ship, leaves the shop's language to apply."""
    return i18n.supported(languages.get(str(order.get("id_lang") or "")))


def parse_order(order: dict[str, Any], related: Related, shop: ShopSettings) -> ShopOrder:
    external_id = str(order["id"])
    address = related.addresses.get(str(order.get("id_address_delivery"))) or {}
    phone = text(address.get("phone_mobile")) or text(address.get("phone")) or None
    customer = _customer(related.customers.get(str(order.get("id_customer"))), phone)
    state = str(order.get("current_state") or "")
    updated_at = parse_time(order.get("date_upd"), shop.zone)
    cancelled_at = None
    if state and state == shop.states.get("PS_OS_CANCELED"):
        moves = [
            parse_time(h.get("date_add"), shop.zone)
            for h in related.histories.get(external_id, [])
            if str(h.get("id_order_state")) == state
        ]
        cancelled_at = max((m for m in moves if m), default=None) or updated_at
    refunded = (
        _money(order.get("total_paid_tax_incl") or order.get("total_paid"))
        if state and state == shop.states.get("PS_OS_REFUND")
        else Decimal("0")
    )
    rows = (order.get("associations") or {}).get("order_rows") or []
    return ShopOrder(
        external_id=external_id,
        number=text(order.get("reference")) or external_id,
        email=(customer.email or "") if customer else "",
        currency=shop.currencies.get(str(order.get("id_currency"))) or "EUR",
        placed_at=parse_time(order.get("date_add"), shop.zone) or datetime.now(UTC),
        updated_at=updated_at,
        customer=customer,
        address=ShopAddress(
            name=" ".join(
                p for p in (text(address.get("firstname")), text(address.get("lastname"))) if p
            ),
            line1=text(address.get("address1")),
            line2=text(address.get("address2")),
            city=text(address.get("city")),
            postal_code=text(address.get("postcode")),
            country=related.countries.get(str(address.get("id_country")), ""),
        ),
        items=[
            ShopItem(
                external_id=str(row["id"]),
                sku=item_sku(row),
                title=text(row.get("product_name")),
                quantity=int(text(row.get("product_quantity")) or 1),
                unit_price=_money(row.get("unit_price_tax_incl") or row.get("product_price")),
            )
            for row in rows
            if isinstance(row, dict)
        ],
        parcels=parse_parcels(related.order_carriers.get(external_id, []), related.carriers),
        cancelled_at=cancelled_at,
        financial_status=shop.state_names.get(state, ""),
        refunded=refunded,
        shipping_total=_money(order.get("total_shipping_tax_incl") or order.get("total_shipping")),
        locale=order_locale(order, related.languages),
    )


def parse_product(
    product: dict[str, Any],
    combinations: Sequence[dict[str, Any]],
    stocks: Sequence[dict[str, Any]],
    zone: tzinfo,
) -> ShopProduct:
    """A product with its combinations (a product without any is its own single variant);
    stock from ``stock_availables``, a combination's price as the product's plus its
    impact."""
    product_id = str(product["id"])
    price = _money(product.get("price"))
    stock = {
        str(s.get("id_product_attribute") or "0"): int(text(s.get("quantity")) or 0) for s in stocks
    }
    reference = text(product.get("reference")).strip()
    variants = [
        ShopVariant(
            external_id=str(c["id"]),
            sku=text(c.get("reference")).strip() or _sku(product_id, str(c["id"])),
            price=price + Decimal(text(c.get("price")) or "0"),
            stock=stock.get(str(c["id"])),
        )
        for c in combinations
    ] or [
        ShopVariant(
            external_id=product_id,
            sku=reference or _sku(product_id, "0"),
            price=price,
            stock=stock.get("0"),
        )
    ]
    return ShopProduct(
        external_id=product_id,
        ref=reference or f"ps-{product_id}",
        title=text(product.get("name")),
        updated_at=parse_time(product.get("date_upd"), zone),
        variants=variants,
    )


def xml_body(resource: str, fields: dict[str, Any]) -> bytes:
    """``<prestashop><resource><field>value</field>…</resource></prestashop>``, the body
    the Webservice documents for POST and PUT (no whitespace inside a field)."""
    root = ElementTree.Element("prestashop", {"xmlns:xlink": "http://www.w3.org/1999/xlink"})
    record = ElementTree.SubElement(root, resource)
    for name, value in fields.items():
        if isinstance(value, (dict, list)):
            continue  # associations are not written back
        ElementTree.SubElement(record, name).text = "" if value is None else str(value)
    return b'<?xml version="1.0" encoding="UTF-8"?>' + ElementTree.tostring(root)


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _ids(values: Iterable[Any]) -> list[str]:
    return sorted({str(v) for v in values if v not in (None, "", "0", 0)}, key=_id_order)


def _id_order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


class PrestaShopClient:
    platform = "prestashop"

    def __init__(self, shop_url: str, credentials: dict[str, str], transport: Transport) -> None:
        self.base = f"{shop_url}/api"
        self.credentials = credentials
        self.transport = transport
        # The key is the username; the documentation leaves the password empty.
        self.auth = httpx.BasicAuth(credentials.get("api_key", ""), "")
        self._settings: ShopSettings | None = None
        self._countries: dict[str, str] = {}
        self._carriers: dict[str, str] = {}
        #: Language id -> its locale, read with the first page of orders (None: not yet).
        self._languages: dict[str, str] | None = None
        #: Whether the key was refused the languages when they were read.
        self._languages_refused = False

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {**kwargs.pop("params", {}), "output_format": "JSON"}
        response = await self.transport.request(
            method, f"{self.base}/{path}", params=params, auth=self.auth, **kwargs
        )
        try:
            return response.json()
        except ValueError:
            raise PlatformError(
                "PrestaShop did not answer in JSON: is the webservice enabled, and is "
                "/api rewritten to it?"
            ) from None

    async def _list(self, resource: str, params: dict[str, str]) -> list[dict[str, Any]]:
        return listing(await self._call("GET", resource, params=params), resource)

    async def _by(
        self, resource: str, key: str, ids: Sequence[str], display: str = "full"
    ) -> list[dict[str, Any]]:
        """Records whose ``key`` is one of ``ids``, a chunk of ids per call."""
        found: list[dict[str, Any]] = []
        for chunk in _chunks(ids):
            found += await self._list(
                resource, {"display": display, f"filter[{key}]": f"[{'|'.join(chunk)}]"}
            )
        return found

    async def settings(self) -> ShopSettings:
        if self._settings is None:
            configuration = await self._list(
                "configurations",
                {"display": "[name,value]", "filter[name]": f"[{'|'.join(CONFIGURATION)}]"},
            )
            states = await self._list("order_states", {"display": "[id,name]"})
            currencies = await self._list("currencies", {"display": "[id,iso_code]"})
            self._settings = parse_settings(configuration, states, currencies)
        return self._settings

    async def check(self) -> str:
        settings = await self.settings()
        await self._list("orders", {"display": "[id]", "limit": "1"})
        return settings.name

    async def _related(self, orders: Sequence[dict[str, Any]], shop: ShopSettings) -> Related:
        related = Related()
        order_ids = _ids(o["id"] for o in orders)
        related.customers = {
            str(c["id"]): c
            for c in await self._by("customers", "id", _ids(o.get("id_customer") for o in orders))
        }
        related.addresses = {
            str(a["id"]): a
            for a in await self._by(
                "addresses", "id", _ids(o.get("id_address_delivery") for o in orders)
            )
        }
        for row in await self._by("order_carriers", "id_order", order_ids):
            related.order_carriers.setdefault(str(row.get("id_order")), []).append(row)
        countries = _ids(a.get("id_country") for a in related.addresses.values())
        missing = [c for c in countries if c not in self._countries]
        for country in await self._by("countries", "id", missing, "[id,iso_code]"):
            self._countries[str(country["id"])] = text(country.get("iso_code")).upper()
        related.countries = self._countries
        carriers = _ids(
            r.get("id_carrier") for rows in related.order_carriers.values() for r in rows
        )
        missing = [c for c in carriers if c not in self._carriers]
        for carrier in await self._by("carriers", "id", missing, "[id,name]"):
            self._carriers[str(carrier["id"])] = text(carrier.get("name"))
        related.carriers = self._carriers
        related.languages = await self._shop_languages() if orders else {}
        cancelled = shop.states.get("PS_OS_CANCELED")
        ended = _ids(o["id"] for o in orders if str(o.get("current_state")) == cancelled)
        for row in await self._by("order_histories", "id_order", ended):
            related.histories.setdefault(str(row.get("id_order")), []).append(row)
        return related

    async def _shop_languages(self) -> dict[str, str]:
        """The shop's languages, read once: a shop has a handful. A key without View on
        ``languages`` (one made before Doorstep read them) is refused with 401 or 403
        (:class:`Revoked`); its orders still sync, without the customer's language, rather
        than pausing the store, and the refusal is logged and told to the merchant
        (:data:`LANGUAGES_REFUSED`, through :meth:`notices`). Any other failure (the store
        down after every retry, an answer not JSON) fails the sync as any other read does,
        so the next sync reads the languages again rather than one without them."""
        if self._languages is None:
            try:
                rows = await self._list("languages", {"display": LANGUAGE_FIELDS})
            except Revoked as exc:
                log.warning(
                    "PrestaShop %s refused the languages (%s): the key lacks View on "
                    "languages; orders sync without the customer's language",
                    self.base,
                    exc,
                )
                rows = []
                self._languages_refused = True
            self._languages = {str(r["id"]): language_tag(r) for r in rows}
        return self._languages

    async def notices(self) -> dict[str, bool]:
        """What the merchant should fix in the shop, and whether it holds now
        (:class:`~portal.platforms.connections.NoticeClient`): the key refused the
        languages. They are read here when no page of orders needed them, so a sync
        without changed orders still finds a permission given since; a read that fails
        otherwise decides nothing (``{}``), the notice stays as it was."""
        try:
            await self._shop_languages()
        except PlatformError as exc:
            log.warning("PrestaShop %s: the languages could not be read: %s", self.base, exc)
            return {}
        return {LANGUAGES_REFUSED: self._languages_refused}

    async def orders(
        self, cursor: str | None, since: datetime | None, page_size: int = 100
    ) -> Page[ShopOrder]:
        shop = await self.settings()
        offset = int(cursor or 0)
        params = {"display": "full", "limit": f"{offset},{page_size}", "sort": "[id_ASC]"}
        if since is not None:
            # The range's end is exclusive: a day ahead covers any clock between us.
            until = datetime.now(UTC) + timedelta(days=1)
            params["date"] = "1"
            params["filter[date_upd]"] = (
                f"[{shop_time(since, shop.zone)},{shop_time(until, shop.zone)}]"
            )
        records = await self._list("orders", params)
        related = await self._related(records, shop)
        following = str(offset + len(records)) if len(records) >= page_size else None
        return Page([parse_order(r, related, shop) for r in records], following)

    async def products(self, cursor: str | None, page_size: int = 50) -> Page[ShopProduct]:
        shop = await self.settings()
        offset = int(cursor or 0)
        records = await self._list(
            "products", {"display": "full", "limit": f"{offset},{page_size}", "sort": "[id_ASC]"}
        )
        ids = _ids(r["id"] for r in records)
        combinations: dict[str, list[dict[str, Any]]] = {}
        for row in await self._by("combinations", "id_product", ids):
            combinations.setdefault(str(row.get("id_product")), []).append(row)
        stocks: dict[str, list[dict[str, Any]]] = {}
        for row in await self._by("stock_availables", "id_product", ids):
            stocks.setdefault(str(row.get("id_product")), []).append(row)
        following = str(offset + len(records)) if len(records) >= page_size else None
        return Page(
            [
                parse_product(
                    r, combinations.get(str(r["id"]), []), stocks.get(str(r["id"]), []), shop.zone
                )
                for r in records
            ],
            following,
        )

    async def register_webhooks(self, callback_url: str) -> list[dict[str, Any]]:
        """PrestaShop core sends no signed webhooks: reconciliation does their work."""
        return []

    async def write_tracking(self, payload: dict[str, Any]) -> None:
        """The tracking number on the order's carrier row where it has none (a parcel
        added in Doorstep), then the shipped or delivered state in the order's history
        unless the order is there already."""
        order_id = str(payload["order_id"])
        if not payload.get("from_store"):
            await self._write_number(order_id, str(payload["tracking_number"]))
        wanted = STATE_FOR_STATUS.get(str(payload.get("status") or ""))
        shop = await self.settings()
        state = shop.states.get(wanted or "")
        if state is None:
            return
        order = (await self._call("GET", f"orders/{order_id}")).get("order") or {}
        current = str(order.get("current_state") or "")
        delivered = shop.states.get("PS_OS_DELIVERED")
        if current == state or (wanted == "PS_OS_SHIPPING" and current == delivered):
            return
        await self._call(
            "POST",
            "order_histories",
            content=xml_body("order_history", {"id_order": order_id, "id_order_state": state}),
            headers={"Content-Type": "text/xml"},
        )

    async def _write_number(self, order_id: str, number: str) -> None:
        rows = await self._by("order_carriers", "id_order", [order_id])
        if any(text(r.get("tracking_number")).strip() == number for r in rows):
            return
        empty = [r for r in rows if not text(r.get("tracking_number")).strip()]
        if not empty:
            return  # every carrier row has its number: the store's is kept
        row = {**empty[0], "tracking_number": number}
        await self._call(
            "PUT",
            f"order_carriers/{row['id']}",
            content=xml_body("order_carrier", row),
            headers={"Content-Type": "text/xml"},
        )

    async def write_return(self, payload: dict[str, Any]) -> None:
        raise PlatformError("PrestaShop's webservice documents no refund to write back.")
