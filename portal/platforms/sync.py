"""Writing what a store says into the portal's own rows, idempotently by platform id.

Backfill, reconciliation and webhooks all land here, a page (or one webhook) per call,
in the caller's transaction. The rules:

* an order, product or parcel is found by its platform id (:class:`PlatformRecord`),
  never by guessing; a copy no newer than the one applied (``updated_at``) changes
  nothing, so a replayed webhook or an overlapping reconciliation imports nothing twice;
* an order number the shop already has (typed in, imported from a CSV) is adopted, not
  duplicated; customers are found by e-mail within the merchant, like the API's;
* consent goes through :func:`portal.consent.record`, variants through
  :mod:`portal.catalogue`, parcels through the registration rules of
  :mod:`portal.tracking.registration` (the store's carrier name mapped to our key by the
  shop's country and carrier accounts, detection from the number as the fallback, the
  shop's account deciding between carriers it proposes alike), so a shipment from a
  store is tracked and notified exactly like one typed into the workspace; a store
  carrier name that is also the name of one of the shop's accounts of that carrier
  names that account (else the shipment names none and the carrier's default or only
  account polls it);
* an edit replaces the order's details and items (items a return points at are kept);
  a cancellation and the refunded amount are kept on the order's record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal import catalogue, consent
from portal.catalogue import CatalogueError, VariantInput
from portal.core.phones import to_e164
from portal.core.rows import insert_rows, select_rows
from portal.models import (
    CarrierAccount,
    Channel,
    ConsentSource,
    Customer,
    Merchant,
    Order,
    OrderItem,
    PlatformConnection,
    PlatformRecord,
    RecordKind,
    Shipment,
)
from portal.models.returns import ReturnItem
from portal.platforms.base import ShopOrder, ShopParcel, ShopProduct
from portal.platforms.carrier_names import carrier_key, home_carriers
from portal.tracking import late_clock
from portal.tracking.accounts import account_named
from portal.tracking.registration import Refused, carrier_for, clean_number


@dataclass
class SyncReport:
    """What one sync or webhook did, for the status line and the benchmark."""

    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    products: int = 0
    shipments_created: int = 0
    #: Parcels left out, with why (no carrier could be chosen, a malformed number…).
    unplaced: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def merge(self, other: SyncReport) -> None:
        self.orders_created += other.orders_created
        self.orders_updated += other.orders_updated
        self.orders_unchanged += other.orders_unchanged
        self.products += other.products
        self.shipments_created += other.shipments_created
        self.unplaced += other.unplaced
        self.problems += other.problems

    def summary(self) -> str:
        return (
            f"{self.orders_created} orders new, {self.orders_updated} updated, "
            f"{self.orders_unchanged} unchanged, {self.products} products, "
            f"{self.shipments_created} shipments, {len(self.unplaced)} parcels not placed"
        )


@dataclass(frozen=True)
class Target:
    """Where a sync writes: the connection, the carriers on offer and the clock."""

    connection: PlatformConnection
    offered: list[str]
    now: datetime
    conn: BaseDBAsyncClient

    #: What the target read once for its batch (the shop's country).
    _read: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def merchant_id(self) -> int:
        return self.connection.merchant_id

    async def shop_country(self) -> str | None:
        """The shop's country (ISO 3166), read once per target: it reads phone numbers
        without a country code and the carrier a store's "DPD" is."""
        if "country" not in self._read:
            shop = await (
                Merchant.filter(id=self.merchant_id).using_db(self.conn).only("id", "country")
            ).first()
            self._read["country"] = shop.country if shop is not None else None
        country: str | None = self._read["country"]
        return country


def _newest(orders: Sequence[ShopOrder]) -> list[ShopOrder]:
    """One copy per order id, the latest (a page may list an order twice mid-edit)."""
    chosen: dict[str, ShopOrder] = {}
    for order in orders:
        held = chosen.get(order.external_id)
        if held is None or (order.updated_at or order.placed_at) >= (
            held.updated_at or held.placed_at
        ):
            chosen[order.external_id] = order
    return list(chosen.values())


async def _records(
    target: Target, kind: RecordKind, external_ids: list[str]
) -> dict[str, PlatformRecord]:
    """The records of these platform ids, by id. Which exist is asked first with one
    array parameter: in a backfill none do, and a thousand-id ``__in`` filter costs more
    to render than to run."""
    conn = target.conn
    ids = [
        row["id"]
        for row in await select_rows(
            conn,
            PlatformRecord,
            ("id",),
            "external_id",
            external_ids,
            connection_id=target.connection.id,
            kind=kind,
        )
    ]
    if not ids:
        return {}
    return {r.external_id: r for r in await PlatformRecord.filter(id__in=ids).using_db(conn)}


def _is_stale(record: PlatformRecord | None, updated_at: datetime | None) -> bool:
    return (
        record is not None
        and record.remote_updated_at is not None
        and updated_at is not None
        and updated_at <= record.remote_updated_at
    )


def _order_data(order: ShopOrder, held: dict[str, Any]) -> dict[str, Any]:
    return {
        **held,
        "number": order.number,
        "cancelled_at": order.cancelled_at.isoformat() if order.cancelled_at else None,
        "financial_status": order.financial_status,
        "refunded": str(max(order.refunded, Decimal(held.get("refunded") or "0"))),
        "line_items": {item.sku: item.external_id for item in order.items},
    }


async def apply_orders(target: Target, orders: Sequence[ShopOrder]) -> SyncReport:
    """Create or update these orders with their customers, items and parcels."""
    report = SyncReport()
    conn, merchant_id = target.conn, target.merchant_id
    orders = _newest(orders)
    records = await _records(target, RecordKind.ORDER, [o.external_id for o in orders])
    changed = [o for o in orders if not _is_stale(records.get(o.external_id), o.updated_at)]
    report.orders_unchanged = len(orders) - len(changed)
    if not changed:
        return report
    customers = await _customers(target, changed)
    # New orders go in with ON CONFLICT on (merchant, number): one the shop already has
    # under the same number (typed in, from a CSV) is not returned, and is adopted.
    unlinked = [o for o in changed if o.external_id not in records]
    made_ids = {
        str(row["number"]): int(row["id"])
        for row in await insert_rows(
            conn,
            Order,
            [_new_order(o, customers) for o in unlinked],
            shared={"merchant_id": merchant_id},
            returning=("id", "number"),
            ignore_conflicts=True,
        )
    }
    adopted = [o.number[:64] for o in unlinked if o.number[:64] not in made_ids]
    by_number = {
        o.number: o.id
        for o in (
            await Order.filter(merchant_id=merchant_id, number__in=adopted).using_db(conn)
            if adopted
            else []
        )
    }
    created_numbers: set[str] = set()
    local_ids: dict[str, int] = {}
    new_records: list[dict[str, Any]] = []
    for order in changed:
        record = records.get(order.external_id)
        if record is not None:
            local_ids[order.external_id] = record.local_id
            await _update_order(target, record.local_id, order, customers)
            record.remote_updated_at = order.updated_at
            record.data = _order_data(order, record.data)
            await record.save(using_db=conn, update_fields=["remote_updated_at", "data"])
            report.orders_updated += 1
            continue
        number = order.number[:64]
        if number in made_ids and order.number not in created_numbers:
            local_id = made_ids[number]
            created_numbers.add(order.number)
            report.orders_created += 1
        else:
            local_id = made_ids.get(number) or by_number[number]
            await _update_order(target, local_id, order, customers)
            report.orders_updated += 1
        local_ids[order.external_id] = local_id
        new_records.append(
            {
                "external_id": order.external_id,
                "local_id": local_id,
                "remote_updated_at": order.updated_at,
                "data": _order_data(order, {}),
            }
        )
    await insert_rows(
        conn,
        PlatformRecord,
        new_records,
        shared={"connection_id": target.connection.id, "kind": RecordKind.ORDER},
    )
    await _write_items(target, changed, local_ids, created_numbers)
    parcels = [
        (local_ids[o.external_id], o.external_id, p) for o in changed for p in o.parcels or []
    ]
    report.merge(await apply_parcels(target, parcels))
    return report


def _new_order(order: ShopOrder, customers: dict[str, Buyer]) -> dict[str, Any]:
    customer = customers.get(order.external_id)
    row = _order_fields(order, customer)
    row["customer_id"] = customer.id if customer else None
    return row


def _order_fields(order: ShopOrder, customer: Buyer | None) -> dict[str, Any]:
    a = order.address
    return {
        "number": order.number[:64],
        "email": (order.email or (customer.email if customer else None) or "")[:254],
        "currency": order.currency[:3],
        "placed_at": order.placed_at,
        "shipping_total": order.shipping_total.quantize(Decimal("0.01")),
        "ship_name": a.name[:200],
        "ship_line1": a.line1[:200],
        "ship_line2": a.line2[:200],
        "ship_city": a.city[:100],
        "ship_region": a.region[:100],
        "ship_postal_code": a.postal_code[:20],
        "ship_country": a.country[:2],
    }


async def _update_order(
    target: Target, order_id: int, order: ShopOrder, customers: dict[str, Buyer]
) -> None:
    customer = customers.get(order.external_id)
    fields = _order_fields(order, customer)
    fields.pop("number")  # the number is the shop's handle on the order: it stays
    if customer is not None:
        fields["customer_id"] = customer.id
    await (
        Order.filter(id=order_id, merchant_id=target.merchant_id)
        .using_db(target.conn)
        .update(**fields)
    )
    await late_clock.refresh_order(target.conn, order_id)


async def _write_items(
    target: Target, orders: list[ShopOrder], local_ids: dict[str, int], created: set[str]
) -> None:
    """New orders get their items in one insert; edited ones have theirs replaced, but an
    item a return points at is updated in place rather than deleted."""
    conn = target.conn
    variant_ids = await catalogue.variant_ids_for(
        target.merchant_id, (i.sku for o in orders for i in o.items), conn=conn
    )
    edited = [local_ids[o.external_id] for o in orders if o.number not in created]
    held: dict[int, dict[str, OrderItem]] = {}
    kept: set[int] = set()
    if edited:
        for row in await OrderItem.filter(order_id__in=edited).using_db(conn):
            held.setdefault(row.order_id, {})[row.sku] = row
        # Tortoise types flat values_list() as rows of tuples; they are bare ids.
        returned: list[Any] = (
            await ReturnItem.filter(order_item__order_id__in=edited)
            .using_db(conn)
            .values_list("order_item_id", flat=True)
        )
        kept = {int(i) for i in returned}
    new_items: list[dict[str, Any]] = []
    stale: list[int] = []
    for order in orders:
        order_id = local_ids[order.external_id]
        existing = held.get(order_id, {})
        for given in order.items:
            item = existing.pop(given.sku, None)
            values = {
                "variant_id": variant_ids.get(given.sku),
                "sku": given.sku[:100],
                "title": given.title[:300],
                "quantity": given.quantity,
                "unit_price": given.unit_price,
                "variant_options": given.options,
            }
            if item is None:
                new_items.append({"order_id": order_id, **values})
            elif any(getattr(item, k) != v for k, v in values.items()):
                await OrderItem.filter(id=item.id).using_db(conn).update(**values)
        stale += [i.id for i in existing.values() if i.id not in kept]
    if stale:
        await OrderItem.filter(id__in=stale).using_db(conn).delete()
    await insert_rows(conn, OrderItem, new_items)


@dataclass(slots=True)
class Buyer:
    """The columns of a customer the sync reads and writes: building a Tortoise model for
    each of a batch's customers cost more than the statements that found them."""

    id: int
    email: str | None
    phone: str | None
    name: str
    email_opt_in: bool
    sms_opt_in: bool
    whatsapp_opt_in: bool
    locale: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Buyer:
        return cls(
            id=int(row["id"]),
            email=row["email"],
            phone=row["phone"],
            name=row["name"] or "",
            email_opt_in=bool(row["email_opt_in"]),
            sms_opt_in=bool(row["sms_opt_in"]),
            whatsapp_opt_in=bool(row["whatsapp_opt_in"]),
            locale=row["locale"],
        )

    @classmethod
    def of(cls, customer: Customer) -> Buyer:
        return cls(
            customer.id,
            customer.email,
            customer.phone,
            customer.name,
            customer.email_opt_in,
            customer.sms_opt_in,
            customer.whatsapp_opt_in,
            customer.locale,
        )


_BUYER_COLUMNS = (
    "id",
    "email",
    "phone",
    "name",
    "email_opt_in",
    "sms_opt_in",
    "whatsapp_opt_in",
    "locale",
)


async def _customers(target: Target, orders: list[ShopOrder]) -> dict[str, Buyer]:
    """Each order's customer (by order id): found by e-mail or phone, else created; the
    consent the store holds recorded with its source."""
    conn, merchant_id = target.conn, target.merchant_id
    # Parsing a number is the costliest step per order: done only when a customer is
    # created, has no phone yet or has no e-mail to be found by, and once per number.
    parsed: dict[tuple[str, str], str | None] = {}
    # A number without its country code is read as one of the shipping address's country,
    # else of the shop's (asked once, only when an order has a phone and no country).
    if any(o.customer and o.customer.phone and not o.address.country for o in orders):
        shop_country = await target.shop_country() or ""
    else:
        shop_country = ""

    def phone_of(order: ShopOrder) -> str | None:
        given = order.customer
        if given is None or not given.phone:
            return None
        country = order.address.country or shop_country
        key = (given.phone, country)
        if key not in parsed:
            parsed[key] = to_e164(given.phone, country or None)
        return parsed[key]

    wanted: dict[str, tuple[ShopOrder, str | None]] = {}
    for order in orders:
        given = order.customer
        email = ((given.email if given else None) or order.email or "").strip().lower() or None
        if email or phone_of(order):
            wanted[order.external_id] = (order, email)
    emails = sorted({email for _o, email in wanted.values() if email})
    found = {
        row["email"]: Buyer.from_row(row)
        for row in await select_rows(
            conn, Customer, _BUYER_COLUMNS, "email", emails, merchant_id=merchant_id
        )
    }
    missing: dict[str, dict[str, Any]] = {}
    for order, email in wanted.values():
        if not email or email in found:
            continue
        if email not in missing:
            missing[email] = {
                "email": email,
                "phone": phone_of(order),
                "name": (order.customer.name if order.customer else "")[:200],
                "country": order.address.country[:2] or None,
                "locale": order.locale,
            }
        # A new customer is inserted with the consent the store holds (its last answer in
        # the batch, as _consent would leave it) and its history written beside it: one
        # row version per customer rather than an insert and then an update.
        given = order.customer
        if given is not None:
            for flag, answer in (
                ("email_opt_in", given.email_consent),
                ("sms_opt_in", given.sms_consent),
            ):
                if answer is not None:
                    missing[email][flag] = answer
    created = [
        Buyer.from_row(row)
        for row in await insert_rows(
            conn,
            Customer,
            list(missing.values()),
            shared={"merchant_id": merchant_id},
            returning=_BUYER_COLUMNS,
        )
    ]
    await consent.record_created(
        created, ConsentSource.PLATFORM, conn=conn, detail=target.connection.platform.value
    )
    for buyer in created:
        found[str(buyer.email)] = buyer
    result: dict[str, Buyer] = {}
    for external_id, (order, email) in wanted.items():
        customer = found.get(email) if email else None
        phone = None if customer is not None and customer.phone else phone_of(order)
        if customer is None and phone:
            customer = Buyer.of(
                await Customer.filter(merchant_id=merchant_id, phone=phone, email__isnull=True)
                .using_db(conn)
                .first()
                or await Customer.create(
                    merchant_id=merchant_id,
                    phone=phone,
                    name=(order.customer.name if order.customer else "")[:200],
                    country=order.address.country[:2] or None,
                    locale=order.locale,
                    using_db=conn,
                )
            )
        if customer is None:
            continue
        # Filled only where empty: a language the customer chose on the preferences page,
        # or one an earlier order gave, is never overwritten by the store's.
        fill = {
            k: v
            for k, v in (
                ("phone", phone),
                ("name", order.customer.name if order.customer else ""),
                ("locale", order.locale),
            )
            if v and not getattr(customer, k)
        }
        if fill:
            await Customer.filter(id=customer.id).using_db(conn).update(**fill)
            for k, v in fill.items():
                setattr(customer, k, v)
        result[external_id] = customer
    await _consent(target, orders, result)
    return result


async def _consent(target: Target, orders: list[ShopOrder], customers: dict[str, Buyer]) -> None:
    """The store's consent answers, the last one in the batch for each customer and
    channel, recorded where they change the customer's flag. (In a backfill nearly every
    answer is the one the customer already has: the customers found again are sorted
    out here with one comparison each, not grouped and handed to :func:`consent.record`.)"""
    last: dict[tuple[Channel, int], tuple[bool, Buyer]] = {}
    for order in orders:
        given = order.customer
        customer = customers.get(order.external_id)
        if customer is None or given is None:
            continue
        if given.email_consent is not None:
            last[Channel.EMAIL, customer.id] = (given.email_consent, customer)
        if given.sms_consent is not None:
            last[Channel.SMS, customer.id] = (given.sms_consent, customer)
    wanted: dict[tuple[Channel, bool], list[Buyer]] = {}
    for (channel, _id), (granted, customer) in last.items():
        if consent.changes(customer, channel, granted):
            wanted.setdefault((channel, granted), []).append(customer)
    source = target.connection.platform.value
    for (channel, granted), chosen in wanted.items():
        await consent.record(
            chosen, channel, granted, ConsentSource.PLATFORM, conn=target.conn, detail=source
        )


async def apply_parcels(
    target: Target, parcels: Sequence[tuple[int, str, ShopParcel]]
) -> SyncReport:
    """Shipments for the parcels of fulfilments: ``(order id here, order id there, parcel)``.

    A parcel already recorded changes nothing; a number the shop already tracks with the
    same carrier is linked to the order rather than tracked twice. A parcel that ships an
    exchange's line items (:data:`RecordKind.EXCHANGE_LINE`) belongs to Doorstep's
    replacement order, whichever way it comes (webhook or reconciliation).
    """
    report = SyncReport()
    if not parcels:
        return report
    conn = target.conn
    keys = {f"{p.fulfilment_id}/{p.tracking_number}": (o, e, p) for o, e, p in parcels}
    known = set(
        await PlatformRecord.filter(
            connection_id=target.connection.id, kind=RecordKind.PARCEL, external_id__in=list(keys)
        )
        .using_db(conn)
        .values_list("external_id", flat=True)
    )
    if all(key in known for key in keys):
        return report
    fresh = [key for key in keys if key not in known]
    keys = dict(zip(fresh, await _exchange_parcels(target, [keys[k] for k in fresh]), strict=True))
    shop_accounts = await (
        CarrierAccount.filter(merchant_id=target.merchant_id)
        .using_db(conn)
        .values_list("id", "carrier_key", "name")
    )
    held = {carrier for _id, carrier, _name in shop_accounts}
    country = await target.shop_country()
    home = home_carriers(country)
    placed: list[tuple[str, int, str, str, str, ShopParcel]] = []
    for key, (order_id, order_ext, parcel) in keys.items():
        if key in known:
            continue
        try:
            number = clean_number(parcel.tracking_number)
            named = carrier_key(parcel.carrier_name, target.offered, country=country, accounts=held)
            carrier = carrier_for(number, named, target.offered, accounts=held, home=home)
        except Refused as refused:
            report.unplaced.append(f"{parcel.tracking_number}: {refused.code}")
            continue
        placed.append((key, order_id, order_ext, number, carrier, parcel))
    if not placed:
        return report
    existing = {
        (s.carrier_key, s.tracking_number): s
        for s in await Shipment.filter(
            merchant_id=target.merchant_id, tracking_number__in=[p[3] for p in placed]
        ).using_db(conn)
    }
    new = {
        (carrier, number): Shipment(
            merchant_id=target.merchant_id,
            order_id=order_id,
            carrier_key=carrier,
            tracking_number=number,
            next_poll_at=target.now,
            carrier_account_id=account_named(parcel.carrier_name, carrier, shop_accounts),
        )
        for _key, order_id, _ext, number, carrier, parcel in placed
        if (carrier, number) not in existing
    }
    for (carrier, number), shipment in existing.items():
        order_id = next(p[1] for p in placed if (p[4], p[3]) == (carrier, number))
        if shipment.order_id is None:
            await Shipment.filter(id=shipment.id).using_db(conn).update(order_id=order_id)
            # Its order's address may put it on another calendar.
            await late_clock.refresh(conn, [shipment.id])
    if new:
        await Shipment.bulk_create(list(new.values()), using_db=conn)
        report.shipments_created += len(new)
        for made in await Shipment.filter(
            merchant_id=target.merchant_id, tracking_number__in=[n for _c, n in new]
        ).using_db(conn):
            existing[(made.carrier_key, made.tracking_number)] = made
    await PlatformRecord.bulk_create(
        [
            PlatformRecord(
                connection_id=target.connection.id,
                kind=RecordKind.PARCEL,
                external_id=key,
                local_id=existing[(carrier, number)].id,
                data={
                    "order_id": order_ext,
                    "fulfilment_id": parcel.fulfilment_id,
                    "carrier_name": parcel.carrier_name,
                    "from_store": True,
                },
            )
            for key, _order_id, order_ext, number, carrier, parcel in placed
        ],
        using_db=conn,
    )
    return report


async def _exchange_parcels(
    target: Target, parcels: Sequence[tuple[int, str, ShopParcel]]
) -> list[tuple[int, str, ShopParcel]]:
    """``parcels`` with those that ship a written-back exchange's line items moved to the
    exchange's replacement order (a Shopify exchange's new items are a fulfilment order of
    the original order: https://shopify.dev/docs/apps/build/orders-fulfillment/returns-apps/read-exchanges)."""
    lines = {line for _o, _e, p in parcels for line in p.line_items}
    if not lines:
        return list(parcels)
    replacement = dict(
        await PlatformRecord.filter(
            connection_id=target.connection.id,
            kind=RecordKind.EXCHANGE_LINE,
            external_id__in=sorted(lines),
        )
        .using_db(target.conn)
        .values_list("external_id", "local_id")
    )
    moved = []
    for order_id, order_ext, parcel in parcels:
        found = next((replacement[i] for i in parcel.line_items if i in replacement), None)
        moved.append((int(found) if found is not None else order_id, order_ext, parcel))
    return moved


async def apply_order_parcels(
    target: Target, order_external_id: str, parcels: Sequence[ShopParcel]
) -> SyncReport | None:
    """A fulfilment webhook's parcels; None when the order is not here yet (the caller
    fetches it, or reconciliation will)."""
    record = await PlatformRecord.get_or_none(
        connection_id=target.connection.id,
        kind=RecordKind.ORDER,
        external_id=order_external_id,
        using_db=target.conn,
    )
    if record is None:
        return None
    return await apply_parcels(target, [(record.local_id, order_external_id, p) for p in parcels])


async def apply_refund(
    target: Target, order_external_id: str, refund_id: str, amount: Decimal
) -> bool:
    """Add a refund to the order's record once (by refund id); False if the order is
    unknown here."""
    record = await PlatformRecord.get_or_none(
        connection_id=target.connection.id,
        kind=RecordKind.ORDER,
        external_id=order_external_id,
        using_db=target.conn,
    )
    if record is None:
        return False
    refunds = list(record.data.get("refund_ids") or [])
    if refund_id in refunds:
        return True
    record.data = {
        **record.data,
        "refund_ids": [*refunds, refund_id],
        "refunded": str(Decimal(record.data.get("refunded") or "0") + amount),
    }
    await record.save(using_db=target.conn, update_fields=["data"])
    return True


async def apply_products(target: Target, products: Sequence[ShopProduct]) -> SyncReport:
    """Products with their variants and stock, through the catalogue's rules."""
    report = SyncReport()
    conn = target.conn
    records = {
        r.external_id: r
        for r in await PlatformRecord.filter(
            connection_id=target.connection.id,
            kind=RecordKind.PRODUCT,
            external_id__in=[p.external_id for p in products],
        ).using_db(conn)
    }
    for product in products:
        record = records.get(product.external_id)
        if _is_stale(record, product.updated_at) or not product.variants:
            continue
        ref = record.data.get("ref", product.ref) if record else product.ref
        try:
            await catalogue.upsert_product(
                target.merchant_id,
                ref[:100],
                product.title[:300] or ref,
                [
                    VariantInput(sku=v.sku[:100], price=v.price, options=v.options, stock=v.stock)
                    for v in product.variants
                ],
                conn=conn,
            )
        except CatalogueError as exc:
            report.problems.append(f"{product.title}: {exc}")
            continue
        report.products += 1
        if record is None:
            record = PlatformRecord(
                connection_id=target.connection.id,
                kind=RecordKind.PRODUCT,
                external_id=product.external_id,
                local_id=0,
                data={"ref": ref},
            )
        record.remote_updated_at = product.updated_at
        await record.save(using_db=conn)
    return report
