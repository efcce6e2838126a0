"""BaseLinker (Base.com) through its API: one endpoint, one method per call.

Every call is ``POST https://api.baselinker.com/connector.php`` with the token in the
``X-BLToken`` header and the form fields ``method`` and ``parameters`` (JSON). The answer
is HTTP 200 either way: ``{"status": "SUCCESS", …}`` or ``{"status": "ERROR",
"error_code": …, "error_message": …}``, which :func:`check_answer` turns into our typed
errors (a refused token pauses the connection; a blocked token, BaseLinker's answer to
more than 100 requests a minute, is waited out by every caller of the token). The limit
is the token's, so the pace is the connection's, shared by its sync and its write-back
in every worker process (:mod:`portal.pacing` through the transport's ``pace``): one
request every ``WINDOW / (LIMIT - 1)`` seconds. A request may leave up to one such
interval after its slot (a later one takes a new slot), so a minute holds at most
:data:`LIMIT` of them.

HTTP here, pure parsing in the ``parse_*`` functions. Orders are read with ``getOrders``
confirmed orders only, ``date_confirmed_from`` moved to the last order's ``date_confirmed``
(the orders of that second already read are skipped), until a page holds fewer than 100.
BaseLinker sends no webhooks: the sync is the backfill plus the periodic reconciliation,
which re-reads the orders confirmed in the last :data:`RECHECK` (an order's status moves
after it is confirmed; ``getOrders`` filters by confirmation only). Packages come from
``getOrderPackages``, asked only for an order that names a shipping number and has moved
since the last sync. Where the account's event journal answers
(:mod:`portal.platforms.baselinker_journal`), :meth:`BaseLinkerClient.journal` reads it
and :meth:`BaseLinkerClient.orders_by_id` reads again only the orders it names; the sync
engine decides when it can replace the two-week re-read. Products come from the default
catalogue (``getInventories``, ``getInventoryProductsList``, ``getInventoryProductsData``)
on a full sync. Shapes:
https://api.baselinker.com/ (see tests/fixtures/baselinker/SOURCE.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from portal import pacing
from portal.platforms import baselinker_journal as journal
from portal.platforms.base import (
    Journal,
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
    Unavailable,
)
from portal.platforms.transport import RetryLater, Transport

ENDPOINT = "https://api.baselinker.com/connector.php"
#: What a BaseLinker connection is saved under: an account has no address of its own.
ACCOUNT_URL = "https://api.baselinker.com"
CREDENTIAL_FIELDS = ("api_token",)
#: ``getOrders`` answers at most this many orders; fewer means the last page.
PAGE = 100
#: The documented request limit: 100 a minute per token (tests shorten the minute).
LIMIT = 100
WINDOW = 60.0
#: How far before the watermark a reconciliation reads confirmed orders again.
RECHECK = timedelta(days=14)
#: Error codes that mean the token itself was refused: the connection pauses.
REFUSED = frozenset({"ERROR_BAD_TOKEN"})
#: ``getInventoryProductsList`` pages hold this many products; fewer means the last.
CATALOGUE_PAGE = 1000
#: Product ids per ``getInventoryProductsData`` call.
DATA_CHUNK = 100
#: Query limit exceeded: the token is blocked for a while.
BLOCKED = "ERROR_BLOCKED_TOKEN"
#: A blocked token's message ends with the moment it is free again, in Poland's time.
BLOCKED_UNTIL = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s*$")
PANEL_ZONE = ZoneInfo("Europe/Warsaw")
#: The wait when a blocked token's message names no moment.
BLOCKED_WAIT = 60.0


def rate() -> float:
    """Requests a second: one fewer than the limit a window, so a request sent up to an
    interval after its slot still leaves the window at :data:`LIMIT`."""
    return (LIMIT - 1) / WINDOW


def check_answer(response: httpx.Response, now: datetime | None = None) -> dict[str, Any]:
    """The body of a SUCCESS answer; an ERROR one raised as what it means."""
    try:
        body = response.json()
    except ValueError:
        raise PlatformError("BaseLinker did not answer in JSON.") from None
    if not isinstance(body, dict):
        raise PlatformError("BaseLinker answered something else than an object.")
    if body.get("status") == "SUCCESS":
        return body
    code = str(body.get("error_code") or "")
    message = str(body.get("error_message") or "")
    if code in REFUSED:
        raise Revoked(f"BaseLinker refused the token ({code}: {message}).")
    if code == BLOCKED:
        raise RetryLater(
            f"BaseLinker blocked the token ({message})",
            blocked_wait(message, now),
            throttled=True,
        )
    raise PlatformError(f"BaseLinker answered {code or 'ERROR'}: {message}")


def blocked_wait(message: str, now: datetime | None = None) -> float:
    """Seconds until ``…token blocked until 2026-11-02 10:15:34`` (Poland's time)."""
    found = BLOCKED_UNTIL.search(message)
    if found is None:
        return BLOCKED_WAIT
    until = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=PANEL_ZONE)
    return max(1.0, (until - (now or datetime.now(UTC))).total_seconds())


def _stamp(value: Any) -> datetime | None:
    try:
        seconds = int(value or 0)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def _money(value: Any) -> Decimal:
    try:
        return abs(Decimal(str(value if value not in (None, "") else "0")))
    except ArithmeticError:
        return Decimal("0")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def order_moved_at(order: dict[str, Any]) -> datetime | None:
    """When the order last moved as ``getOrders`` shows it: confirmed or put in its
    current status, whichever is later."""
    moments = [
        m for m in (_stamp(order.get("date_confirmed")), _stamp(order.get("date_in_status"))) if m
    ]
    return max(moments, default=None)


def order_parcels(order: dict[str, Any], packages: list[dict[str, Any]] | None) -> list[ShopParcel]:
    """The order's packages; without ``getOrderPackages``' answer, the shipping number
    and courier the order itself names. Every parcel of an order is keyed by the order,
    so both sources name the same parcel the same way."""
    order_id = str(order["order_id"])
    if packages:
        return [
            ShopParcel(
                fulfilment_id=order_id,
                tracking_number=_text(p.get("courier_package_nr")),
                # A broker's packages name the real courier in courier_other_name.
                carrier_name=_text(p.get("courier_other_name"))
                or _text(p.get("courier_code"))
                or None,
            )
            for p in packages
            if _text(p.get("courier_package_nr")) and not p.get("is_return")
        ]
    number = _text(order.get("delivery_package_nr"))
    if not number:
        return []
    module = _text(order.get("delivery_package_module"))
    return [ShopParcel(order_id, number, module or None)]


def parse_order(
    order: dict[str, Any], statuses: dict[str, str], packages: list[dict[str, Any]] | None
) -> ShopOrder:
    """One ``getOrders`` order as the sync engine's record. BaseLinker holds no
    marketing consent, so none is claimed."""
    email = _text(order.get("email")).lower()
    phone = _text(order.get("phone")) or None
    name = _text(order.get("delivery_fullname")) or _text(order.get("invoice_fullname"))
    customer = (
        ShopCustomer(external_id=None, email=email or None, phone=phone, name=name)
        if email or phone
        else None
    )
    placed_at = _stamp(order.get("date_add")) or _stamp(order.get("date_confirmed"))
    country = _text(order.get("delivery_country_code")).upper()
    return ShopOrder(
        external_id=str(order["order_id"]),
        number=str(order["order_id"]),
        email=email,
        currency=_text(order.get("currency")).upper() or "PLN",
        placed_at=placed_at or datetime.now(UTC),
        updated_at=order_moved_at(order),
        customer=customer,
        address=ShopAddress(
            name=name,
            line1=_text(order.get("delivery_address")),
            line2=_text(order.get("delivery_company")),
            city=_text(order.get("delivery_city")),
            region=_text(order.get("delivery_state")),
            postal_code=_text(order.get("delivery_postcode")),
            country=country,
        ),
        items=[
            ShopItem(
                external_id=str(p.get("order_product_id")),
                sku=_text(p.get("sku")) or _product_ref(p),
                title=_text(p.get("name")),
                quantity=int(p.get("quantity") or 1),
                unit_price=_money(p.get("price_brutto")),
                options=_options(_text(p.get("attributes"))),
            )
            for p in order.get("products") or []
            if isinstance(p, dict)
        ],
        parcels=order_parcels(order, packages),
        financial_status=statuses.get(str(order.get("order_status_id")), ""),
        shipping_total=_money(order.get("delivery_price")),
    )


def _product_ref(product: dict[str, Any]) -> str:
    variant = str(product.get("variant_id") or "0")
    base = f"bl-{product.get('product_id') or product.get('order_product_id')}"
    return base if variant == "0" else f"{base}-{variant}"


def _options(attributes: str) -> dict[str, str]:
    """``Colour: green, Size: M`` as {"Colour": "green", "Size": "M"}."""
    found: dict[str, str] = {}
    for part in attributes.split(","):
        name, sep, value = part.partition(":")
        if sep and name.strip():
            found[name.strip()] = value.strip()
    return found


def choose_status(statuses: dict[str, str], choice: str) -> int:
    """The status named by ``choice``: its id, or its name (any case); ValueError, listing
    the account's statuses, when there is none such."""
    wanted = choice.strip()
    for status_id, name in statuses.items():
        if wanted == status_id or wanted.casefold() == name.casefold():
            return int(status_id)
    listed = ", ".join(f"{i} {n}" for i, n in statuses.items())
    raise ValueError(f"no BaseLinker order status {wanted!r}; the account has: {listed}")


def parse_statuses(body: dict[str, Any]) -> dict[str, str]:
    """``getOrderStatusList``: status id -> its name."""
    return {
        str(s.get("id")): _text(s.get("name"))
        for s in body.get("statuses") or []
        if isinstance(s, dict)
    }


@dataclass(frozen=True)
class Inventory:
    """The catalogue products are read from (the default one) and what prices and stock
    mean there."""

    inventory_id: int
    price_group: str
    warehouse: str


def parse_inventory(body: dict[str, Any]) -> Inventory | None:
    """``getInventories``: the default catalogue, else the first; None without any."""
    found = [i for i in body.get("inventories") or [] if isinstance(i, dict)]
    chosen = next((i for i in found if i.get("is_default")), found[0] if found else None)
    if chosen is None:
        return None
    return Inventory(
        inventory_id=int(chosen["inventory_id"]),
        price_group=str(chosen.get("default_price_group") or ""),
        warehouse=str(chosen.get("default_warehouse") or ""),
    )


def _keyed(value: Any) -> dict[str, Any]:
    """A keyed list; PHP's JSON writes an empty one as ``[]``."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _price(prices: Any, inventory: Inventory) -> Decimal:
    keyed = _keyed(prices)
    value = keyed.get(inventory.price_group, next(iter(keyed.values()), 0))
    return _money(value)


def _stock(stock: Any, inventory: Inventory) -> int | None:
    """The default warehouse's quantity (the sum of all when it has none listed)."""
    keyed = _keyed(stock)
    if not keyed:
        return None
    if inventory.warehouse in keyed:
        return int(keyed[inventory.warehouse] or 0)
    return sum(int(v or 0) for v in keyed.values())


def parse_product(product_id: str, data: dict[str, Any], inventory: Inventory) -> ShopProduct:
    """A ``getInventoryProductsData`` product: each variant a variant (its SKU, else
    ``bl-<product>-<variant>``), a product without variants its own single one; prices
    from the catalogue's default price group, stock from its default warehouse."""
    name = _keyed(data.get("text_fields")).get("name")
    title = name if isinstance(name, str) else ""
    sku = _text(data.get("sku"))
    variants = [
        ShopVariant(
            external_id=variant_id,
            sku=_text(v.get("sku")) or f"bl-{product_id}-{variant_id}",
            price=_price(v.get("prices"), inventory),
            stock=_stock(v.get("stock"), inventory),
        )
        for variant_id, v in _keyed(data.get("variants")).items()
        if isinstance(v, dict)
    ] or [
        ShopVariant(
            external_id=product_id,
            sku=sku or f"bl-{product_id}",
            price=_price(data.get("prices"), inventory),
            stock=_stock(data.get("stock"), inventory),
        )
    ]
    return ShopProduct(
        external_id=product_id,
        ref=sku or f"bl-{product_id}",
        title=title,
        updated_at=None,
        variants=variants,
    )


def next_cursor(orders: list[dict[str, Any]]) -> str | None:
    """Where the next page starts: at the last order's confirmation second, naming the
    orders already read from that second so they are skipped (``"<second>:<id>,<id>"``).

    BaseLinker's documentation moves on to that second plus one, which loses an order
    confirmed in the same second as the page's last one but listed on the next page.
    Only a page whose every order shares one second has to step over it that way."""
    if len(orders) < PAGE:
        return None
    last = max(_confirmed(o) for o in orders)
    read = [str(o.get("order_id")) for o in orders if _confirmed(o) == last]
    if len(read) >= PAGE:
        return str(last + 1)
    return f"{last}:{','.join(read)}"


def _confirmed(order: dict[str, Any]) -> int:
    return int(order.get("date_confirmed") or 0)


def _read_cursor(cursor: str) -> tuple[int, set[str]]:
    """The second a page starts at and the ids of that second already read."""
    second, _, read = cursor.partition(":")
    return int(second), set(filter(None, read.split(",")))


class BaseLinkerClient:
    platform = "baselinker"

    def __init__(
        self,
        shop_url: str,
        credentials: dict[str, str],
        transport: Transport,
        *,
        connection_id: int | None = None,
    ) -> None:
        self.credentials = credentials
        self.transport = transport
        #: The connection's shared pace; a connection not saved yet (being connected)
        #: paces this client alone.
        self.pace_key = pacing.store_connection(connection_id) if connection_id else None
        self.own_schedule = pacing.Schedule()
        transport.pace = self._pacer
        self._statuses: dict[str, str] | None = None
        self._inventory: Inventory | None = None
        #: How far before the watermark a reconciliation reads confirmations again: none
        #: when a trusted journal names the orders that moved (the sync engine decides).
        self.recheck = RECHECK

    def _pacer(self, now: datetime) -> pacing.Pacer:
        if self.pace_key is None:
            return pacing.LocalPacer(rate(), now, self.own_schedule)
        return pacing.pacer_for(self.pace_key, rate(), now)

    async def call(self, method: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
        """One API method's SUCCESS answer."""
        found: dict[str, Any] = {}

        def check(response: httpx.Response) -> None:
            found.update(check_answer(response))

        await self.transport.request(
            "POST",
            ENDPOINT,
            check=check,
            headers={"X-BLToken": self.credentials.get("api_token", "")},
            data={"method": method, "parameters": json.dumps(parameters or {})},
        )
        return found

    async def statuses(self) -> dict[str, str]:
        if self._statuses is None:
            self._statuses = parse_statuses(await self.call("getOrderStatusList"))
        return self._statuses

    async def check(self) -> str:
        await self.statuses()
        return "BaseLinker"

    async def orders(
        self, cursor: str | None, since: datetime | None, page_size: int = PAGE
    ) -> Page[ShopOrder]:
        statuses = await self.statuses()
        read: set[str] = set()
        if cursor is not None:
            start, read = _read_cursor(cursor)
        elif since is not None:
            start = int((since - self.recheck).timestamp())
        else:
            start = 0
        parameters: dict[str, Any] = {"get_unconfirmed_orders": False}
        if start:
            parameters["date_confirmed_from"] = start
        body = await self.call("getOrders", parameters)
        records = [o for o in body.get("orders") or [] if isinstance(o, dict)]
        parsed = []
        for order in records:
            if str(order.get("order_id")) in read:
                continue
            packages = None
            if _text(order.get("delivery_package_nr")) and _moved(order, since):
                answer = await self.call("getOrderPackages", {"order_id": order["order_id"]})
                packages = [p for p in answer.get("packages") or [] if isinstance(p, dict)]
            parsed.append(parse_order(order, statuses, packages))
        return Page(parsed, next_cursor(records))

    async def journal(self, after: int | None) -> Journal:
        """The journal's entries after ``after`` (the last three days' when None), asked
        again from the last id read until an answer brings nothing newer. An ERROR answer
        other than the token's says the journal is not available."""
        entries: list[journal.Entry] = []
        last = after
        try:
            for _ in range(journal.PAGES):
                parameters: dict[str, Any] = {"logs_types": list(journal.TYPES)}
                if last is not None:
                    parameters["last_log_id"] = last
                answer = await self.call("getJournalList", parameters)
                found = [
                    e for e in journal.parse_entries(answer) if last is None or e.log_id > last
                ]
                if not found:
                    break
                entries += found
                last = max(e.log_id for e in found)
        except (Revoked, Unavailable):
            raise
        except PlatformError as exc:
            return Journal(answered=False, last_id=after, error=str(exc))
        return journal.summary(entries, after)

    async def orders_by_id(self, ids: Iterable[str], packages: Iterable[str]) -> list[ShopOrder]:
        """These orders, each read by ``getOrders`` with its ``order_id`` (an unconfirmed
        or deleted one answers nothing), with their packages: always for those in
        ``packages``, else when the order names a shipping number."""
        statuses = await self.statuses()
        wanted = set(packages)
        found: list[ShopOrder] = []
        for order_id in sorted(set(ids), key=int):
            body = await self.call(
                "getOrders", {"order_id": int(order_id), "get_unconfirmed_orders": False}
            )
            for order in body.get("orders") or []:
                if not isinstance(order, dict) or str(order.get("order_id")) != order_id:
                    continue
                listed = None
                if order_id in wanted or _text(order.get("delivery_package_nr")):
                    answer = await self.call("getOrderPackages", {"order_id": int(order_id)})
                    listed = [p for p in answer.get("packages") or [] if isinstance(p, dict)]
                found.append(parse_order(order, statuses, listed))
        return found

    async def products(self, cursor: str | None, page_size: int = 50) -> Page[ShopProduct]:
        """A page of the default catalogue's main products (``getInventoryProductsList``,
        1000 a page in id order) with their data and variants
        (``getInventoryProductsData``, :data:`DATA_CHUNK` ids a call). An account
        without a catalogue has no products."""
        if self._inventory is None:
            self._inventory = parse_inventory(await self.call("getInventories"))
        inventory = self._inventory
        if inventory is None:
            return Page([], None)
        page = int(cursor or 1)
        listed = _keyed(
            (
                await self.call(
                    "getInventoryProductsList",
                    {"inventory_id": inventory.inventory_id, "page": page, "filter_sort": "id ASC"},
                )
            ).get("products")
        )
        ids = [
            product_id
            for product_id, row in listed.items()
            if isinstance(row, dict) and not int(row.get("parent_id") or 0)
        ]
        products: list[ShopProduct] = []
        for start in range(0, len(ids), DATA_CHUNK):
            chunk = ids[start : start + DATA_CHUNK]
            answer = await self.call(
                "getInventoryProductsData",
                {"inventory_id": inventory.inventory_id, "products": [int(i) for i in chunk]},
            )
            data = _keyed(answer.get("products"))
            products += [
                parse_product(i, data[i], inventory) for i in chunk if isinstance(data.get(i), dict)
            ]
        following = str(page + 1) if len(listed) >= CATALOGUE_PAGE else None
        return Page(products, following)

    async def register_webhooks(self, callback_url: str) -> list[dict[str, Any]]:
        """BaseLinker sends no webhooks: reconciliation does their work."""
        return []

    async def write_tracking(self, payload: dict[str, Any]) -> None:
        """A delivered parcel moves its order to the status the merchant chose
        (``order_status_id``) with ``setOrderStatus``, unless the order is in it already
        (a second parcel, a retry: BaseLinker may run the merchant's automations, e-mails
        included, on every status change). Other statuses write nothing."""
        status_id = int(payload.get("order_status_id") or 0)
        if payload.get("status") != "delivered" or not status_id or not payload.get("order_id"):
            return
        order_id = int(payload["order_id"])
        body = await self.call("getOrders", {"order_id": order_id, "get_unconfirmed_orders": False})
        current = [o for o in body.get("orders") or [] if isinstance(o, dict)]
        if current and int(current[0].get("order_status_id") or 0) == status_id:
            return
        await self.call("setOrderStatus", {"order_id": order_id, "status_id": status_id})

    async def write_return(self, payload: dict[str, Any]) -> None:
        raise PlatformError("Writing refunds back to BaseLinker is not offered.")


def _moved(order: dict[str, Any], since: datetime | None) -> bool:
    """Whether the order moved since the last sync (always, on a backfill)."""
    if since is None:
        return True
    moved = order_moved_at(order)
    return moved is None or moved >= since
