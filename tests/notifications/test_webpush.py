"""Web push: a browser subscribes on the tracking page, a notification reaches its push
service encrypted for it (RFC 8291, ``aes128gcm``) and signed with our VAPID key
(RFC 8292), and a subscription the push service says is gone (404/410) is removed.

The push service is a local stub at the HTTP layer that decrypts what it receives with
the browser's private key and auth secret, as the browser would
(https://datatracker.ietf.org/doc/html/rfc8291#section-3.4).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import http_ece
import httpx
import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from portal.models import Channel, OutboxMessage, PushSubscription
from portal.notifications.dispatcher import dispatch_once
from portal.notifications.webpush import (
    SubscriptionError,
    generate_keys,
    subscribe,
    validate_subscription,
)
from tests.notifications.helpers import emit_status, make_settings, parcel

KEYS = generate_keys()
ENDPOINT = "https://push.example.test/wpush/v2/abc123"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """A browser's side of a subscription: its key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str = ENDPOINT

    @classmethod
    def new(cls, endpoint: str = ENDPOINT) -> Browser:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16), endpoint)

    def subscription(self) -> dict[str, object]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(point), "auth": b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, object]:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def settings():  # type: ignore[no-untyped-def]
    return make_settings(
        vapid_public_key=KEYS.public_key,
        vapid_private_key=KEYS.private_key,
        vapid_subject="mailto:shop@example.test",
    )


async def subscribed_parcel(*browsers: Browser):  # type: ignore[no-untyped-def]
    p = await parcel(
        merchant={
            "name": "Green Shop",
            "channel_order": ["email", "push"],
            "notification_rules": {"out_for_delivery": ["email", "push"]},
        },
        customer={"email": "anna@example.test"},
    )
    for browser in browsers:
        await subscribe(p.shipment, browser.subscription(), datetime.now(UTC))
    return p


async def test_a_notification_reaches_the_browser_encrypted_for_it_and_signed(db: str) -> None:
    browser = Browser.new()
    p = await subscribed_parcel(browser)
    await emit_status(p.shipment, "out_for_delivery", settings=settings())
    [message] = await OutboxMessage.filter(channel=Channel.PUSH)
    assert message.recipient == f"shipment:{p.shipment.id}"

    with respx.mock:
        service = respx.post(ENDPOINT).mock(
            return_value=httpx.Response(201, headers={"Location": f"{ENDPOINT}/m/1"})
        )
        async with httpx.AsyncClient() as http:
            report = await dispatch_once(settings(), http_client=http)

    assert report.sent == 2  # the e-mail (dev mailbox) and the push
    [call] = service.calls
    request = call.request
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert int(request.headers["TTL"]) > 0
    assert Vapid02.verify(request.headers["Authorization"]), "signed with our VAPID key"
    assert f"k={KEYS.public_key}" in request.headers["Authorization"]
    shown = browser.decrypt(request.content)
    assert shown["title"] == "Green Shop"
    assert shown["body"] == message.body_text and "out for delivery" in str(shown["body"]).lower()
    assert str(shown["url"]).startswith("https://portal.test/t/")
    assert (await OutboxMessage.get(id=message.id)).state == "sent"


async def test_a_subscribed_browser_keeps_its_notifications_when_the_customer_ticks_channels(
    db: str,
) -> None:
    """Regression: ticking channels on the tracking page (push is not a box there) used to
    drop the browser the customer had subscribed on the same page."""
    p = await subscribed_parcel(Browser.new())
    p.order.channels = ["email"]
    await p.order.save()

    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    channels = await OutboxMessage.filter(shipment_id=p.shipment.id).values_list(
        "channel", flat=True
    )
    assert sorted(channels) == ["email", "push"]


@pytest.mark.parametrize("gone", [404, 410])
async def test_a_subscription_the_push_service_says_is_gone_is_removed(db: str, gone: int) -> None:
    kept, lost = Browser.new(), Browser.new("https://push.example.test/wpush/v2/lost")
    p = await subscribed_parcel(kept, lost)
    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    with respx.mock:
        respx.post(kept.endpoint).mock(return_value=httpx.Response(201))
        respx.post(lost.endpoint).mock(return_value=httpx.Response(gone))
        async with httpx.AsyncClient() as http:
            await dispatch_once(settings(), http_client=http)

    left = await PushSubscription.filter(shipment_id=p.shipment.id)
    assert [s.endpoint for s in left] == [kept.endpoint]


async def test_when_every_browser_is_gone_the_message_fails_for_good(db: str) -> None:
    browser = Browser.new()
    p = await subscribed_parcel(browser)
    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    with respx.mock:
        respx.post(ENDPOINT).mock(return_value=httpx.Response(410))
        async with httpx.AsyncClient() as http:
            await dispatch_once(settings(), http_client=http)

    message = await OutboxMessage.get(channel=Channel.PUSH)
    assert message.state == "failed"
    assert not await PushSubscription.exists()


async def test_a_push_service_outage_is_retried_later(db: str) -> None:
    browser = Browser.new()
    p = await subscribed_parcel(browser)
    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    with respx.mock:
        respx.post(ENDPOINT).mock(return_value=httpx.Response(503))
        async with httpx.AsyncClient() as http:
            report = await dispatch_once(settings(), http_client=http)

    assert report.retried == 1
    assert await PushSubscription.exists(), "an outage removes nothing"


async def test_no_subscription_means_no_push_message(db: str) -> None:
    p = await subscribed_parcel()
    await emit_status(p.shipment, "out_for_delivery", settings=settings())
    assert not await OutboxMessage.filter(channel=Channel.PUSH).exists()


async def test_subscribing_twice_keeps_one_row_and_expired_ones_send_nothing(db: str) -> None:
    browser = Browser.new()
    p = await subscribed_parcel(browser, browser)
    assert await PushSubscription.filter(shipment_id=p.shipment.id).count() == 1
    await PushSubscription.all().update(expires_at=datetime.now(UTC) - timedelta(days=1))
    await emit_status(p.shipment, "out_for_delivery", settings=settings())
    assert not await OutboxMessage.filter(channel=Channel.PUSH).exists()


NOT_ON_THE_CURVE = b64(b"\x04" + b"1" * 64)
GOOD_POINT = str(Browser.new().subscription()["keys"]["p256dh"])  # type: ignore[index]


@pytest.mark.parametrize(
    "document",
    [
        None,
        {"endpoint": "http://push.example.test/x", "keys": {"p256dh": "x", "auth": "y"}},
        {"endpoint": ENDPOINT},
        {"endpoint": ENDPOINT, "keys": {"p256dh": NOT_ON_THE_CURVE, "auth": b64(b"a" * 16)}},
        {"endpoint": ENDPOINT, "keys": {"p256dh": GOOD_POINT, "auth": b64(b"short")}},
    ],
)
def test_a_subscription_that_cannot_be_used_is_refused(document: object) -> None:
    with pytest.raises(SubscriptionError):
        validate_subscription(document)


def test_a_browsers_own_subscription_is_accepted() -> None:
    browser = Browser.new()
    endpoint, p256dh, auth = validate_subscription(browser.subscription())
    assert endpoint == ENDPOINT and len(auth) == 22 and p256dh
