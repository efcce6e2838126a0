"""The tracking page tells the truth about where a parcel is, and how to reach the shop.

A label alone is not "shipped"; a date in the past is "late", not a plan; a delivered or
looked-up order offers "Return an item" and the shop's own contact.
"""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from carriers.base import Status
from portal.models import Merchant, Order, Shipment
from tests import factories
from tests.tracking_page.conftest import NOW, Shop
from tests.tracking_page.test_views import _order_lookup


async def _view(web: httpx.AsyncClient) -> tuple[httpx.Response, object]:
    response = await web.get("/track/SBX00000000042")
    assert response.status_code == 200
    [view] = response.context["shipments"]
    return response, view


async def test_a_label_only_parcel_is_not_shown_as_shipped(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await Shipment.filter(id=shop.shipment.id).update(status=Status.INFO_RECEIVED)
    _response, view = await _view(web)
    assert view.status_label == "Label created"  # type: ignore[attr-defined]
    states = [(s.label, s.state) for s in view.stages]  # type: ignore[attr-defined]
    assert states[:2] == [("Ordered", "current"), ("Shipped", "upcoming")]


async def test_a_label_only_parcel_hides_an_expected_date_already_past(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    past = NOW.date() - timedelta(days=4)
    await Shipment.filter(id=shop.shipment.id).update(
        status=Status.INFO_RECEIVED, estimated_delivery=past
    )
    response, view = await _view(web)
    assert view.eta_text is None  # type: ignore[attr-defined]
    assert "Expected delivery" not in response.text


async def test_a_moving_parcel_past_its_date_says_late_and_what_happens_next(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await Shipment.filter(id=shop.shipment.id).update(estimated_delivery=date(2026, 11, 18))
    response, view = await _view(web)
    assert view.late  # type: ignore[attr-defined]
    assert view.eta_text is None, "a day already past is never shown as the plan"  # type: ignore[attr-defined]
    assert view.late_text.startswith(  # type: ignore[attr-defined]
        "Later than expected: it was due by Wednesday, November 18, 2026."
    )
    assert "If nothing changes in three working days, contact the shop." in response.text


async def test_a_parcel_due_today_is_not_late(web: httpx.AsyncClient, shop: Shop) -> None:
    await Shipment.filter(id=shop.shipment.id).update(estimated_delivery=NOW.date())
    _response, view = await _view(web)
    assert not view.late  # type: ignore[attr-defined]
    assert view.eta_text == "Friday, November 20, 2026"  # type: ignore[attr-defined]


async def test_a_delivered_parcel_offers_a_return_and_the_shops_contact(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    branding = {**shop.merchant.branding, "support_email": "help@acme.test",
                "support_phone": "+48 12 345 67 89"}  # fmt: skip
    await Merchant.filter(id=shop.merchant.id).update(branding=branding)
    await Shipment.filter(id=shop.shipment.id).update(status=Status.DELIVERED, delivered_at=NOW)
    response, _ = await _view(web)
    assert 'href="/returns?shop=' in response.text
    assert "Return an item" in response.text
    assert 'href="mailto:help@acme.test"' in response.text
    assert 'href="tel:+48123456789"' in response.text


async def test_a_moving_parcel_offers_no_return_yet(web: httpx.AsyncClient, shop: Shop) -> None:
    response, _ = await _view(web)
    assert "/returns?shop=" not in response.text
    assert "Questions about your order?" in response.text


async def test_the_order_page_leads_to_returns_with_the_number_filled_in(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    response = await _order_lookup(web, "#1042", "jan@example.test")
    assert response.status_code == 200
    assert 'href="/returns?shop=' in response.text
    assert "order=%231042" in response.text
    returns = await web.get(f"/returns?shop={shop.merchant.slug}&order=%231042")
    assert 'value="#1042"' in returns.text


async def test_order_numbers_are_found_in_any_case(web: httpx.AsyncClient, db: str) -> None:
    merchant = await factories.merchant(slug="nw")
    order: Order = await factories.order(merchant, number="NW-1009", ship_postal_code="31-108")
    response = await _order_lookup(web, "nw-1009", "31-108")
    assert response.status_code == 200
    assert response.context["order"].number == order.number


async def test_the_home_page_has_a_way_to_return_an_item(web: httpx.AsyncClient) -> None:
    response = await web.get("/")
    assert 'href="/returns"' in response.text


async def test_a_window_that_closed_this_morning_is_late(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    from datetime import UTC, datetime

    # NOW is 12:00 UTC on 20 November; the window closed at 05:00 UTC the same day.
    await Shipment.filter(id=shop.shipment.id).update(
        eta_window_start=datetime(2026, 11, 19, 16, tzinfo=UTC),
        eta_window_end=datetime(2026, 11, 20, 5, tzinfo=UTC),
    )
    _response, view = await _view(web)
    assert view.late  # type: ignore[attr-defined]
    assert view.eta_text is None  # type: ignore[attr-defined]
    assert view.late_text.startswith(  # type: ignore[attr-defined]
        "Later than expected: it was due by Friday, November 20, 2026."
    )
