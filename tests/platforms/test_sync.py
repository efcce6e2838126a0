"""The sync engine's set-based writes read like one order at a time: a mixed batch written
in one call leaves exactly the rows that writing its orders one by one (as webhooks do)
leaves; a second run imports nothing twice; an order edited in a later batch is updated.

The records are the plain ones a platform's mapper produces (:mod:`portal.platforms.base`);
no HTTP is involved, so a new platform's mapper feeding these records gets the same rows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from portal import catalogue
from portal.catalogue import VariantInput
from portal.models import (
    ConsentChange,
    Customer,
    Merchant,
    Order,
    OrderItem,
    Platform,
    PlatformConnection,
    PlatformRecord,
    RecordKind,
    Shipment,
)
from portal.platforms.base import ShopAddress, ShopCustomer, ShopItem, ShopOrder, ShopParcel
from portal.platforms.sync import SyncReport, Target, apply_orders
from tests import factories

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
OFFERED = ["dhl", "ups"]
DHL_NUMBER = "00340434161094015902"
UPS_NUMBER = "1Z999AA10123456784"
WARSAW = ShopAddress("Ola Nowak", "Prosta 1", "", "Warszawa", "", "00-850", "PL")


def order(
    n: int,
    *,
    customer: ShopCustomer | None = None,
    items: list[ShopItem] | None = None,
    parcels: list[ShopParcel] | None = None,
    minutes: int = 0,
    **fields: Any,
) -> ShopOrder:
    return ShopOrder(
        external_id=str(1000 + n),
        number=f"#{1000 + n}",
        email=customer.email or "" if customer else "",
        currency="PLN",
        placed_at=BASE + timedelta(minutes=n),
        updated_at=BASE + timedelta(minutes=n + minutes),
        customer=customer,
        address=WARSAW,
        items=items if items is not None else [item(n, "MUG-RED")],
        parcels=parcels or [],
        **fields,
    )


def item(n: int, sku: str, quantity: int = 1) -> ShopItem:
    return ShopItem(str(7000 + n), sku, f"Mug {sku}", quantity, Decimal("12.50"), {"colour": "red"})


def buyer(
    name: str, *, email: bool = True, phone: str | None = None, **consent: Any
) -> ShopCustomer:
    address = f"{name.lower()}@mail.example.com" if email else None
    return ShopCustomer(None, address, phone, name.title(), **consent)


def mixed_page() -> list[ShopOrder]:
    """New and returning customers, consent granted and withdrawn, a customer known only
    by phone, an order without a customer, an order listed twice mid-edit, an order the
    shop already typed in, parcels with a named carrier, a detected one and a bad number."""
    ala = buyer("Ala", phone="601 234 567", email_consent=True, sms_consent=True)
    bob = buyer("Bob", sms_consent=False)
    cyd = buyer("Cyd", email=False, phone="+48 602 345 678", sms_consent=True)
    return [
        order(1, customer=ala, items=[item(1, "MUG-RED"), item(101, "MUG-BLUE", 2)]),
        order(2, customer=bob, parcels=[ShopParcel("f2", DHL_NUMBER, "DHL Express")]),
        order(3, customer=ala, parcels=[ShopParcel("f3", UPS_NUMBER, "Some Courier")]),
        order(4, customer=cyd, parcels=[ShopParcel("f4", "??", "DHL")]),
        order(5, customer=None),
        order(6, customer=bob, items=[item(6, "MUG-RED")]),
        order(6, customer=bob, items=[item(6, "MUG-RED", 3)], minutes=5),  # edited, newer
        order(7, customer=ala),  # typed in the workspace already
    ]


async def shop() -> tuple[Merchant, PlatformConnection]:
    merchant = await factories.merchant()
    connection = await PlatformConnection.create(
        merchant=merchant, platform=Platform.SHOPIFY, shop_url="https://s.example.com",
        credentials_encrypted="-",
    )  # fmt: skip
    async with in_transaction() as conn:
        await catalogue.upsert_product(
            merchant.id, "mug", "Mug", [VariantInput("MUG-RED", Decimal("12.50"))], conn=conn
        )
    await Order.create(merchant=merchant, number="#1007", placed_at=BASE, ship_city="Typo")
    return merchant, connection


async def apply(connection: PlatformConnection, orders: list[ShopOrder]) -> SyncReport:
    async with in_transaction() as conn:
        return await apply_orders(Target(connection, OFFERED, BASE, conn), orders)


def in_order(rows: Any) -> list[Any]:
    """Rows sorted whatever they hold (None among strings)."""
    return sorted(rows, key=repr)


async def rows(merchant: Merchant, connection: PlatformConnection) -> dict[str, Any]:
    """Every row the sync writes for this shop, by natural keys (no ids)."""
    customers = {c.id: c for c in await Customer.filter(merchant=merchant)}
    orders = {o.id: o for o in await Order.filter(merchant=merchant)}
    who = {i: (c.email, c.phone) for i, c in customers.items()}
    number = {i: o.number for i, o in orders.items()}
    variants = {v.id: v.sku for v in await catalogue_variants(merchant)}
    return {
        "customers": in_order(
            (c.email, c.phone, c.name, c.country, c.email_opt_in, c.sms_opt_in)
            for c in customers.values()
        ),
        "consent": in_order(
            (who[c.customer_id], c.channel, c.granted, c.source, c.detail)
            for c in await ConsentChange.filter(customer_id__in=list(customers))
        ),
        "orders": in_order(
            (
                o.number,
                who.get(o.customer_id),
                o.email,
                o.currency,
                o.placed_at,
                o.ship_name,
                o.ship_line1,
                o.ship_city,
                o.ship_postal_code,
                o.ship_country,
            )
            for o in orders.values()
        ),
        "items": in_order(
            (
                number[i.order_id],
                i.sku,
                i.title,
                i.quantity,
                i.unit_price,
                variants.get(i.variant_id),
                i.variant_options,
            )
            for i in await OrderItem.filter(order_id__in=list(orders))
        ),
        "records": in_order(
            (
                r.kind,
                r.external_id,
                r.remote_updated_at,
                sorted(r.data.items()),
                number.get(r.local_id) if r.kind == RecordKind.ORDER else None,
            )
            for r in await PlatformRecord.filter(connection=connection)
        ),
        "shipments": in_order(
            (s.carrier_key, s.tracking_number, number.get(s.order_id), s.next_poll_at)
            for s in await Shipment.filter(merchant=merchant)
        ),
    }


async def catalogue_variants(merchant: Merchant) -> list[Any]:
    from portal.models import ProductVariant

    return list(await ProductVariant.filter(merchant=merchant))


@pytest.mark.usefixtures("db")
async def test_a_mixed_batch_leaves_the_rows_one_order_at_a_time_leaves() -> None:
    together, together_connection = await shop()
    one_by_one, one_by_one_connection = await shop()

    report = await apply(together_connection, mixed_page())
    for each in mixed_page():
        await apply(one_by_one_connection, [each])

    assert (report.orders_created, report.orders_updated) == (6, 1)  # #1007 adopted
    assert (report.shipments_created, report.unplaced) == (2, ["??: bad_number"])
    written = await rows(together, together_connection)
    assert written == await rows(one_by_one, one_by_one_connection)
    # And the rows say what the store said.
    assert {(s[0], s[1], s[2]) for s in written["shipments"]} == {
        ("dhl", DHL_NUMBER, "#1002"),
        ("ups", UPS_NUMBER, "#1003"),  # no such carrier name: detected from the number
    }
    assert (
        "#1006",
        "MUG-RED",
        "Mug MUG-RED",
        3,
        Decimal("12.50"),
        "MUG-RED",
        {"colour": "red"},
    ) in (written["items"])
    assert ("#1001", "MUG-BLUE", "Mug MUG-BLUE", 2, Decimal("12.50"), None, {"colour": "red"}) in (
        written["items"]
    )
    assert ("cyd", "+48602345678") in {(c[2].lower(), c[1]) for c in written["customers"]}
    assert (("bob@mail.example.com", None), "sms", False, "platform", "shopify") not in (
        written["consent"]
    )  # withdrawing what was never granted changes nothing
    typo = await Order.get(merchant=together, number="#1007")
    assert typo.ship_city == "Warszawa"  # adopted and brought up to date
    assert await Order.filter(merchant=together).count() == 7


@pytest.mark.usefixtures("db")
async def test_a_second_run_imports_nothing_twice() -> None:
    merchant, connection = await shop()
    await apply(connection, mixed_page())
    first = await rows(merchant, connection)

    again = await apply(connection, mixed_page())

    assert (again.orders_created, again.orders_updated, again.orders_unchanged) == (0, 0, 7)
    assert again.shipments_created == 0
    assert await rows(merchant, connection) == first


@pytest.mark.usefixtures("db")
async def test_an_order_edited_in_a_later_batch_is_updated() -> None:
    merchant, connection = await shop()
    ala = buyer("Ala", phone="601 234 567", sms_consent=True)
    await apply(connection, [order(n, customer=ala) for n in range(1, 4)])
    edited = replace(
        order(2, customer=ala, minutes=30, items=[item(2, "MUG-RED", 4), item(202, "MUG-BLUE")],
              parcels=[ShopParcel("f2", UPS_NUMBER, "UPS")], cancelled_at=BASE,
              financial_status="PARTIALLY_REFUNDED", refunded=Decimal("5.00")),
        address=replace(WARSAW, city="Kraków", postal_code="30-001"),
    )  # fmt: skip

    report = await apply(connection, [order(n, customer=ala) for n in range(4, 6)] + [edited])

    assert (report.orders_created, report.orders_updated) == (2, 1)
    changed = await Order.get(merchant=merchant, number="#1002")
    assert (changed.ship_city, changed.ship_postal_code) == ("Kraków", "30-001")
    assert sorted((i.sku, i.quantity) for i in await OrderItem.filter(order_id=changed.id)) == [
        ("MUG-BLUE", 1),
        ("MUG-RED", 4),
    ]
    record = await PlatformRecord.get(connection=connection, external_id="1002")
    assert record.remote_updated_at == BASE + timedelta(minutes=32)
    assert (record.data["financial_status"], record.data["refunded"]) == (
        "PARTIALLY_REFUNDED", "5.00",
    )  # fmt: skip
    assert record.data["cancelled_at"] == BASE.isoformat()
    shipment = await Shipment.get(merchant=merchant)
    assert (shipment.order_id, shipment.carrier_key) == (changed.id, "ups")
    assert await Order.filter(merchant=merchant).count() == 6  # five from the store, one typed


@pytest.mark.usefixtures("db")
async def test_a_parcel_names_the_account_its_store_carrier_name_is_the_name_of() -> None:
    """The store's "DHL Express" is the shop's "dhl express" account and its "UPS" the "UPS"
    account; plain "DHL" names none (the carrier's default or only account polls it)."""
    merchant, connection = await shop()
    express = await factories.carrier_account(merchant, carrier_key="dhl", name="dhl express")
    await factories.carrier_account(merchant, carrier_key="dhl", name="DHL Parcel")
    ups = await factories.carrier_account(merchant, carrier_key="ups", name="UPS")
    other = "00340434161094015903"
    ups_parcel = ShopParcel("f3", UPS_NUMBER, "UPS")
    await apply(
        connection,
        [
            order(2, parcels=[ShopParcel("f2", DHL_NUMBER, "DHL Express")]),
            order(3, parcels=[ShopParcel("f4", other, "DHL"), ups_parcel]),
        ],
    )

    named = dict(
        await Shipment.filter(merchant_id=merchant.id).values_list(
            "tracking_number", "carrier_account_id"
        )
    )
    assert named == {DHL_NUMBER: express.id, other: None, UPS_NUMBER: ups.id}


DPDS = ["dpd_pl", "dpd_ro", "speedy"]
DPD_PARCEL = "09240012345678"  # 14 digits: DPD Polska's and DPD Romania's format


async def dpd_shipments(country: str | None, accounts: list[str], parcels: list[ShopParcel]):
    merchant, connection = await shop()
    await Merchant.filter(id=merchant.id).update(country=country)
    for key in accounts:
        await factories.carrier_account(merchant, carrier_key=key, name=key)
    async with in_transaction() as conn:
        report = await apply_orders(
            Target(connection, DPDS, BASE, conn), [order(1, parcels=parcels)]
        )
    found = await Shipment.filter(merchant_id=merchant.id).values_list(
        "tracking_number", "carrier_key"
    )
    return dict(found), report


@pytest.mark.usefixtures("db")
async def test_a_romanian_shop_s_dpd_parcel_is_dpd_romania_s() -> None:
    found, _ = await dpd_shipments("RO", [], [ShopParcel("f1", DPD_PARCEL, "DPD")])
    assert found == {DPD_PARCEL: "dpd_ro"}


@pytest.mark.usefixtures("db")
async def test_a_bulgarian_shop_s_dpd_parcel_is_speedy_s() -> None:
    found, _ = await dpd_shipments("BG", [], [ShopParcel("f1", "61234567890", "DPD")])
    assert found == {"61234567890": "speedy"}


@pytest.mark.usefixtures("db")
async def test_the_dpd_account_a_shop_has_decides_a_nameless_dpd_number() -> None:
    """Detection proposes DPD Polska and DPD Romania for 14 digits; the shop's account picks."""
    found, _ = await dpd_shipments("RO", ["dpd_ro"], [ShopParcel("f1", DPD_PARCEL, None)])
    assert found == {DPD_PARCEL: "dpd_ro"}
    found, _ = await dpd_shipments("RO", ["dpd_pl"], [ShopParcel("f1", DPD_PARCEL, None)])
    assert found == {DPD_PARCEL: "dpd_pl"}, "the account wins over the country"
    found, _ = await dpd_shipments("PL", [], [ShopParcel("f1", DPD_PARCEL, None)])
    assert found == {DPD_PARCEL: "dpd_pl"}, "without an account, the shop's country's"
    found, report = await dpd_shipments(None, [], [ShopParcel("f1", DPD_PARCEL, None)])
    assert found == {} and report.unplaced == [f"{DPD_PARCEL}: carrier_ambiguous"]


@pytest.mark.usefixtures("db")
async def test_a_phone_without_country_code_or_address_country_is_the_shop_s() -> None:
    """A store order collected in the shop (no shipping country) whose customer typed her
    mobile without +30: a Greek shop reads it as a Greek number; with an address country,
    that country reads it."""
    merchant, connection = await shop()
    await Merchant.filter(id=merchant.id).update(country="GR")
    no_country = replace(WARSAW, country="")
    orders = [
        replace(order(1, customer=buyer("maria", phone="697 123 4567")), address=no_country),
        order(2, customer=buyer("ola", phone="601 234 567")),  # Warsaw: a Polish mobile
    ]
    async with in_transaction() as conn:
        await apply_orders(Target(connection, OFFERED, BASE, conn), orders)
    phones = dict(await Customer.filter(merchant_id=merchant.id).values_list("name", "phone"))
    assert phones == {"Maria": "+306971234567", "Ola": "+48601234567"}


@pytest.mark.usefixtures("db")
async def test_a_batch_records_each_customers_last_consent_answer_and_only_changes() -> None:
    """Ala, known with SMS consent, withdraws it in one order and gives it again in a later
    one of the same batch: nothing changes. Bob, known without it, grants it and then
    withdraws it: nothing either. Cyd withdraws e-mail in her last order: one change."""
    merchant, connection = await shop()
    ala = buyer("Ala", sms_consent=True)
    bob = buyer("Bob", sms_consent=False)
    cyd = buyer("Cyd", email_consent=True)
    await apply(connection, [order(n, customer=c) for n, c in ((1, ala), (2, bob), (3, cyd))])
    before = await ConsentChange.all().count()

    await apply(
        connection,
        [
            order(4, customer=replace(ala, sms_consent=False)),
            order(5, customer=replace(bob, sms_consent=True)),
            order(6, customer=replace(ala, sms_consent=True)),
            order(7, customer=replace(bob, sms_consent=False)),
            order(8, customer=replace(cyd, email_consent=True)),
            order(9, customer=replace(cyd, email_consent=False)),
        ],
    )

    customers = {c.name: c for c in await Customer.filter(merchant=merchant)}
    assert (customers["Ala"].sms_opt_in, customers["Bob"].sms_opt_in) == (True, False)
    assert customers["Cyd"].email_opt_in is False
    changes = await ConsentChange.filter(id__gt=0).order_by("id")
    assert [(c.customer_id, c.channel, c.granted) for c in changes[before:]] == [
        (customers["Cyd"].id, "email", False)
    ]
