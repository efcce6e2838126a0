"""A parcel's page read from plain rows is byte for byte the page read from the models.

The number tier reads its shop and order as ``lookup.PageMerchant`` and ``PageOrder``
(only the columns the page shows); these tests render each parcel of a varied shop both
ways, the second with ``lookup.parties`` answering the ORM's own models, and compare the
bytes of the page and of its live fragment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from carriers.base import Reason, Status
from portal.models import Merchant, Order, Shipment
from portal.models.tracking import Direction
from portal.tracking_page import lookup
from portal.tracking_page.config import PageConfig
from tests import factories
from tests.conftest import client_for
from tests.tracking_page.conftest import NOW, Shop, add_events


async def _parcels(shop: Shop) -> list[str]:
    """Parcels whose pages differ by what they read of their shop and order."""
    numbers = [shop.shipment.tracking_number]
    abroad = await factories.merchant(
        name='Fox & "Sons" <shop>',
        time_zone="America/New_York",
        default_locale="ro",  # the page's language when the visitor names none
        branding={
            "accent_color": "#0055ff",
            "support_email": "help@fox.example",
            "support_url": "https://fox.example/help?a=1&b=2",
            "support_phone": "+1 555 0100",
        },
    )
    plain = await factories.merchant(time_zone="Not/AZone", branding={})
    guest = await factories.order(abroad, ship_country="UA")  # no customer: the country's zone
    customer = await factories.customer(abroad, time_zone="Asia/Tokyo", country="JP")
    bought = await factories.order(abroad, customer=customer, ship_country="US")
    no_zone = await factories.customer(plain, country="GR")
    quiet = await factories.order(plain, customer=no_zone)
    kinds: list[tuple[Merchant, Order | None, Status, dict[str, Any]]] = [
        (abroad, None, Status.IN_TRANSIT, {}),  # no order: the shop's zone
        (abroad, guest, Status.OUT_FOR_DELIVERY, {}),
        (abroad, bought, Status.DELIVERED, {"delivered_at": NOW - timedelta(hours=2)}),
        (plain, quiet, Status.AVAILABLE_FOR_PICKUP, {}),
        (plain, None, Status.EXCEPTION, {}),
    ]
    for n, (merchant, order, status, extra) in enumerate(kinds):
        shipment = await factories.shipment(
            merchant,
            order=order,
            tracking_number=f"SBX0000000010{n}",
            status=status,
            shipped_at=NOW - timedelta(days=2),
            last_event_at=NOW - timedelta(hours=3),
            **extra,
        )
        await add_events(
            shipment,
            (NOW - timedelta(days=2, hours=n), Status.INFO_RECEIVED, "Warszawa"),
            (NOW - timedelta(hours=20 + n), Status.IN_TRANSIT, "Kraków"),
            (NOW - timedelta(hours=3), status, "Łódź"),
        )
        numbers.append(shipment.tracking_number)
    return numbers


async def _models(number: str) -> tuple[Merchant, Order | None]:
    shipment = await Shipment.get(tracking_number=number).select_related("merchant", "order")
    return shipment.merchant, shipment.order


@pytest.mark.parametrize("lang", ["en", "uk", "el", None])  # None: each shop's own
async def test_the_page_from_plain_rows_is_the_page_from_the_models(
    tracking_app: Starlette,
    shop: Shop,
    page_config: PageConfig,
    monkeypatch: pytest.MonkeyPatch,
    lang: str | None,
) -> None:
    page_config.cache_seconds = 0
    numbers = await _parcels(shop)
    models = {number: await _models(number) for number in numbers}
    query = f"?lang={lang}" if lang else ""
    paths = [
        path
        for number in numbers
        for path in (
            f"/track/{number}{query}",
            f"/track/{number}/status{query}",
            f"/track/{number}?shop={models[number][0].slug}{query.replace('?', '&')}",
        )
    ]
    async with client_for(tracking_app) as client:  # one visitor: one CSRF token
        from_rows = [await client.get(path) for path in paths]
        read: list[tuple[Any, ...]] = []
        as_read = lookup.parties

        def from_models(shipment: Shipment) -> tuple[Merchant, Order | None]:
            read.append(as_read(shipment))
            return models[shipment.tracking_number]

        monkeypatch.setattr(lookup, "parties", from_models)
        from_orm = [await client.get(path) for path in paths]
    assert all(isinstance(merchant, lookup.PageMerchant) for merchant, _ in read)
    assert {type(order) for _, order in read} == {lookup.PageOrder, type(None)}
    assert [r.status_code for r in from_rows] == [200] * len(paths)
    for path, rows, orm in zip(paths, from_rows, from_orm, strict=True):
        assert rows.content == orm.content, path
        assert rows.headers.get("etag") == orm.headers.get("etag"), path
    languages = {
        path: rows.headers["content-language"] for path, rows in zip(paths, from_rows, strict=True)
    }
    assert languages[f"/track/{numbers[1]}{query}"] == (lang or "ro")  # the shop "abroad"
    assert languages[f"/track/{numbers[-1]}/status{query}"] == (lang or "en")


async def test_the_page_rows_carry_the_shop_and_order_as_stored(db: str) -> None:
    merchant = await factories.merchant(
        time_zone="Europe/Kyiv", branding={"accent_color": "#123"}, default_locale="uk"
    )
    customer = await factories.customer(merchant, time_zone="Europe/Athens")
    order = await factories.order(
        merchant, customer=customer, ship_country="GR", ship_region="Attica"
    )
    await factories.shipment(merchant, order=order, tracking_number="SBX00000000001")
    await factories.shipment(merchant, tracking_number="SBX00000000002")
    found = await lookup.find_by_numbers(["SBX00000000001", "SBX00000000002"], with_events=True)
    [(shop, bought), (same_shop, none)] = [lookup.parties(r.shipment) for r in found if r.shipment]
    assert (
        shop
        == same_shop
        == lookup.PageMerchant(
            merchant.id, merchant.slug, merchant.name, {"accent_color": "#123"}, "Europe/Kyiv", "uk"
        )
    )
    assert bought == lookup.PageOrder(order.id, customer.id, "GR", "Attica") and none is None
    [plain] = await lookup.find_by_numbers(["SBX00000000001"])
    assert plain.shipment is not None
    assert lookup.parties(plain.shipment) == (plain.shipment.merchant, plain.shipment.order)
    assert isinstance(plain.shipment.merchant, Merchant)


def _as_read(model: Any) -> dict[str, tuple[Any, type, str]]:
    """Each column's value, its type and, for a date-time, its zone's name, as the
    model holds them."""
    return {
        name: (value, type(value), repr(getattr(value, "tzinfo", None)))
        for name in type(model)._meta.fields_db_projection
        for value in [getattr(model, name)]
    }


async def test_the_statement_builds_the_models_the_orm_builds(db: str) -> None:
    merchant = await factories.merchant(time_zone="Europe/Kyiv")
    customer = await factories.customer(merchant, time_zone="Europe/Athens")
    order = await factories.order(merchant, customer=customer, ship_country="GR")
    at = NOW.replace(microsecond=123456)
    every_time = {
        name: at - timedelta(hours=n)
        for n, name in enumerate(
            (
                "eta_window_start",
                "eta_window_end",
                "last_polled_at",
                "next_poll_at",
                "shipped_at",
                "delivered_at",
                "pickup_deadline",
                "last_event_at",
                "refresh_lease_until",
            )
        )
    }
    full = await factories.shipment(
        merchant,
        order=order,
        tracking_number="SBX00000000011",
        status=Status.FAILED_ATTEMPT,
        reason=Reason.RECIPIENT_UNAVAILABLE,
        direction=Direction.RETURN,
        pickup_point={"id": "KRA01M", "name": "Locker"},
        **every_time,
    )
    bare = await factories.shipment(merchant, tracking_number="SBX00000000012")
    for shipment in (full, bare):
        orm = await Shipment.get(id=shipment.id).select_related("merchant", "order")
        [page] = await lookup.find_by_numbers([shipment.tracking_number], with_events=True)
        [listed] = await lookup.find_by_numbers([shipment.tracking_number])
        assert page.shipment is not None and listed.shipment is not None
        assert _as_read(page.shipment) == _as_read(listed.shipment) == _as_read(orm)
        assert _as_read(listed.shipment.merchant) == _as_read(orm.merchant)
        if orm.order is not None:
            assert _as_read(listed.shipment.order) == _as_read(orm.order)
    assert _as_read(orm)["reason"][0] is None and full.reason is Reason.RECIPIENT_UNAVAILABLE
