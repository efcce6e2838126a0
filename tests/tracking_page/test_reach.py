"""The customer chooses how to hear about an order, on the tracking page of a signed link:
the channels the shop offers, for this order, and "notify me in this browser"."""

from __future__ import annotations

import base64
import dataclasses
import os
import re

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from portal.core.links import make_tracking_link
from portal.models import Merchant, Order, PushSubscription, Shipment
from portal.notifications.webpush import generate_keys
from tests.tracking_page.conftest import Shop

NUMBER = "SBX00000000042"

KEYS = generate_keys()


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_subscription(endpoint: str = "https://push.example.test/sub/1") -> dict[str, object]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"endpoint": endpoint, "keys": {"p256dh": b64(point), "auth": b64(os.urandom(16))}}


@pytest.fixture
async def offering(shop: Shop, tracking_app) -> Shop:  # type: ignore[no-untyped-def]
    tracking_app.state.settings = dataclasses.replace(
        tracking_app.state.settings,
        vapid_public_key=KEYS.public_key,
        vapid_private_key=KEYS.private_key,
    )
    await Merchant.filter(id=shop.merchant.id).update(
        channel_order=["email", "whatsapp", "sms", "push"]
    )
    return shop


def link(tracking_app, shop: Shop) -> str:  # type: ignore[no-untyped-def]
    return make_tracking_link(tracking_app.state.settings, shop.shipment).split("/t/", 1)[1]


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page carries the session's CSRF token"
    return found.group(1)


async def test_the_signed_page_offers_the_shops_channels_and_browser_notifications(
    web: httpx.AsyncClient,
    offering: Shop,
    tracking_app,  # type: ignore[no-untyped-def]
) -> None:
    page = await web.get(f"/t/{link(tracking_app, offering)}")
    reach = page.context["reach"]  # type: ignore[attr-defined]
    assert [o.value for o in reach.options] == ["email", "whatsapp", "sms"]
    assert all(o.chosen for o in reach.options), "the shop's choice until the customer chooses"
    assert reach.vapid_public_key == KEYS.public_key
    assert "Notify me in this browser" in page.text


async def test_a_number_alone_offers_no_choice(web: httpx.AsyncClient, offering: Shop) -> None:
    page = await web.get(f"/track/{NUMBER}")
    assert page.context["reach"] is None  # type: ignore[attr-defined]
    assert "Notify me in this browser" not in page.text


async def test_the_customer_chooses_channels_for_the_order(
    web: httpx.AsyncClient,
    offering: Shop,
    tracking_app,  # type: ignore[no-untyped-def]
) -> None:
    token = link(tracking_app, offering)
    page = await web.get(f"/t/{token}")

    saved = await web.post(
        f"/t/{token}/channels",
        data={"channel": ["whatsapp", "push", "carrier-pigeon"], "csrf_token": csrf(page)},
    )

    assert saved.status_code == 303
    assert (await Order.get(id=offering.order.id)).channels == ["whatsapp"]
    again = await web.get(saved.headers["location"])
    assert [o.value for o in again.context["reach"].options if o.chosen] == ["whatsapp"]  # type: ignore[attr-defined]


async def test_a_choice_without_the_csrf_token_is_refused(
    web: httpx.AsyncClient,
    offering: Shop,
    tracking_app,  # type: ignore[no-untyped-def]
) -> None:
    token = link(tracking_app, offering)
    await web.get(f"/t/{token}")
    refused = await web.post(f"/t/{token}/channels", data={"channel": ["sms"]})
    assert refused.status_code == 403
    assert (await Order.get(id=offering.order.id)).channels is None


async def test_a_browser_subscribes_to_every_parcel_of_the_order_and_can_leave(
    web: httpx.AsyncClient,
    offering: Shop,
    tracking_app,  # type: ignore[no-untyped-def]
) -> None:
    second = await Shipment.create(
        merchant=offering.merchant, order=offering.order, tracking_number="SBX00000000077",
        carrier_key="sandbox", status="in_transit",
    )  # fmt: skip
    token = link(tracking_app, offering)
    page = await web.get(f"/t/{token}")
    headers = {"X-CSRF-Token": csrf(page)}
    subscription = browser_subscription()

    created = await web.post(f"/t/{token}/push", json=subscription, headers=headers)

    assert created.status_code == 201
    assert sorted(await PushSubscription.all().values_list("shipment_id", flat=True)) == sorted(
        [offering.shipment.id, second.id]
    )
    removed = await web.post(
        f"/t/{token}/push/remove", json={"endpoint": subscription["endpoint"]}, headers=headers
    )
    assert removed.json() == {"removed": 2}
    assert not await PushSubscription.exists()


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"endpoint": "http://insecure.test/x"}', b"x" * 5000],
)
async def test_a_subscription_that_is_not_one_is_refused(
    web: httpx.AsyncClient,
    offering: Shop,
    tracking_app,
    body: bytes,  # type: ignore[no-untyped-def]
) -> None:
    token = link(tracking_app, offering)
    page = await web.get(f"/t/{token}")
    response = await web.post(
        f"/t/{token}/push", content=body, headers={"X-CSRF-Token": csrf(page)}
    )
    assert response.status_code == 400
    assert not await PushSubscription.exists()


async def test_a_forged_link_subscribes_nothing(
    web: httpx.AsyncClient,
    offering: Shop,
    tracking_app,  # type: ignore[no-untyped-def]
) -> None:
    page = await web.get(f"/t/{link(tracking_app, offering)}")
    response = await web.post(
        "/t/forged-token/push", json=browser_subscription(), headers={"X-CSRF-Token": csrf(page)}
    )
    assert response.status_code == 404
    assert not await PushSubscription.exists()


async def test_the_service_worker_is_served_from_the_root(web: httpx.AsyncClient) -> None:
    response = await web.get("/push-sw.js")
    assert response.headers["content-type"].startswith("application/javascript")
    assert "showNotification" in response.text
