"""The customer changes their delivery choice on the order page until the parcel leaves."""

from __future__ import annotations

import re

import httpx

from carriers.base import Status
from portal.core.links import make_tracking_link
from portal.event_catalogue import ORDER_DELIVERY_PREFERENCES_CHANGED
from portal.models import DomainEvent, Order, Shipment, WebhookDelivery, WebhookEndpoint
from tests.tracking_page.conftest import Shop


def _path(web: httpx.AsyncClient, shop: Shop) -> str:
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    return make_tracking_link(settings, shop.shipment).replace(settings.public_base_url, "")


async def _not_yet_left(shop: Shop) -> None:
    await Shipment.filter(id=shop.shipment.id).update(status=Status.INFO_RECEIVED, shipped_at=None)


async def _form(web: httpx.AsyncClient, path: str) -> tuple[str, str]:
    page = await web.get(path)
    action = re.search(r'<form method="post" action="(/t/[^"]+/preferences)"', page.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert action and token, "the page offers no preferences form"
    return action.group(1), token.group(1)


async def test_a_customer_changes_the_choice_and_the_shop_is_told(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _not_yet_left(shop)
    await WebhookEndpoint.create(
        merchant=shop.merchant,
        url="https://hooks.shop.test/x",
        secret_encrypted="unused",
        topics=["order.*"],
    )
    path = _path(web, shop)
    action, token = await _form(web, path)
    response = await web.post(
        action,
        data={
            "csrf_token": token,
            "method": "locker",
            "point_id": "KRA01M",
            "instructions": "  ring   twice ",
            "preferred_days": ["fri", "mon"],
        },
    )
    assert response.status_code == 303
    order = await Order.get(id=shop.order.id)
    assert order.delivery_preferences == {
        "method": "locker",
        "point_id": "KRA01M",
        "safe_place": None,
        "instructions": "ring twice",
        "preferred_days": ["mon", "fri"],
    }
    event = await DomainEvent.get(kind=ORDER_DELIVERY_PREFERENCES_CHANGED)
    assert (event.payload["source"], event.payload["old"]) == ("customer", None)
    delivery = await WebhookDelivery.get()
    assert delivery.topic == ORDER_DELIVERY_PREFERENCES_CHANGED
    page = await web.get(path)
    assert "Parcel locker KRA01M" in page.text


async def test_a_locker_without_its_number_is_refused_and_nothing_is_saved(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _not_yet_left(shop)
    action, token = await _form(web, _path(web, shop))
    response = await web.post(action, data={"csrf_token": token, "method": "locker"})
    assert response.status_code == 400
    assert "needs its" in response.text
    assert (await Order.get(id=shop.order.id)).delivery_preferences is None
    assert not await DomainEvent.filter(kind=ORDER_DELIVERY_PREFERENCES_CHANGED).exists()


async def test_once_the_parcel_left_the_choice_is_shown_but_not_changeable(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await Order.filter(id=shop.order.id).update(
        delivery_preferences={"method": "home", "safe_place": "Porch", "preferred_days": []}
    )
    path = _path(web, shop)
    page = await web.get(path)
    assert "safe place: Porch" in page.text
    assert "/preferences" not in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    refused = await web.post(
        path + "/preferences", data={"csrf_token": token.group(1), "method": "home"}
    )
    assert refused.status_code == 400
    assert "already on its way" in refused.text
