"""The workspace writes times on the shop's clock (its settings' time zone), never UTC: the
pages that once printed "… UTC" (webhooks and their delivery log, staff, carriers, stores,
an order, API keys), read by the owner of a shop in Kolkata over HTTP.

Kolkata is UTC+5:30 with no summer time, so a page that wrote UTC differs in the hour and
the minutes and would be caught."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from babel.dates import format_datetime

from portal.models import (
    ApiKey,
    Channel,
    ConsentChange,
    ConsentSource,
    DeliveryState,
    Merchant,
    Order,
    PlatformConnection,
    ReturnRequest,
    ReturnTransition,
    StaffUser,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models.platforms import Platform, PlatformRecord, RecordKind
from tests import factories
from tests.admin.helpers import signed_in_owner
from tests.admin.returns_helpers import return_for, review_shop

KOLKATA = ZoneInfo("Asia/Kolkata")


def _english(moment: datetime) -> str:
    """The moment on Kolkata's clock as the detail pages write it in English (CLDR's medium
    date and short time: "Dec 8, 2026, 12:30 AM", a narrow space before the "AM")."""
    return format_datetime(moment, "MMM d, y, h:mm\u202fa", tzinfo=KOLKATA, locale="en")


def _both(moment: datetime, pattern: str = "%Y-%m-%d %H:%M") -> tuple[str, str]:
    """The moment as the shop reads it, and as a page on UTC would have written it."""
    return moment.astimezone(KOLKATA).strftime(pattern), moment.astimezone(UTC).strftime(pattern)


async def test_a_shop_in_kolkata_reads_the_workspaces_times_on_its_clock(
    client: httpx.AsyncClient,
) -> None:
    # Within the delivery log's 30 days; the carrier waits until a moment still ahead.
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2, minutes=17)
    ahead = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1, minutes=3)
    shop = await factories.merchant(time_zone="Asia/Kolkata")
    await signed_in_owner(client, shop)

    endpoint = await WebhookEndpoint.create(
        merchant=shop, url="https://shop.example.com/hooks", secret_encrypted="x", topics=["*"]
    )
    delivery = await WebhookDelivery.create(
        endpoint=endpoint, topic="shipment.delivered", state=DeliveryState.DELIVERED,
        attempts=1, next_attempt_at=past, delivered_at=past,
    )  # fmt: skip
    await WebhookEndpoint.filter(id=endpoint.id).update(created_at=past)
    await WebhookDelivery.filter(id=delivery.id).update(created_at=past)
    await StaffUser.filter(id=(await factories.staff_user(shop)).id).update(last_login_at=past)
    await factories.carrier_account(shop, rate_limited_until=ahead)
    store = await PlatformConnection.create(
        merchant=shop, platform=Platform.SHOPIFY, shop_url="https://kolkata.myshopify.com",
        credentials_encrypted="x", last_sync_at=past,
    )  # fmt: skip
    buyer = await factories.customer(shop)
    order = await factories.order(shop, customer=buyer)
    await PlatformRecord.create(
        connection=store, kind=RecordKind.ORDER, external_id="1", local_id=order.id,
        data={"cancelled_at": past.isoformat()},
    )  # fmt: skip
    change = await ConsentChange.create(
        customer=buyer, channel=Channel.SMS, granted=True, source=ConsentSource.WORKSPACE
    )
    await ConsentChange.filter(id=change.id).update(created_at=past)
    key = await ApiKey.create(
        merchant=shop, name="ERP", prefix="kolkata00001", key_hash="0" * 64, last_used_at=past
    )
    await ApiKey.filter(id=key.id).update(created_at=past)

    shop_past, utc_past = _both(past)
    seconds = _both(past, "%Y-%m-%d %H:%M:%S")
    for path, shown in (
        ("/admin/webhooks", [shop_past]),
        (f"/admin/webhooks/{endpoint.id}", [seconds[0], "shop's time zone, Asia/Kolkata"]),
        ("/admin/staff", [shop_past]),
        ("/admin/carriers", [_both(ahead)[0]]),
        ("/admin/stores", [shop_past]),
        (f"/admin/orders/{order.id}", [f"Cancelled on {_english(past)}"]),
        ("/admin/api-keys", [shop_past]),
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        for words in shown:
            assert words in page.text, (path, words)
        assert utc_past not in page.text and seconds[1] not in page.text, path
        assert _both(ahead)[1] not in page.text, path
        assert " UTC" not in page.text, path
    assert f'datetime="{past.isoformat()}"' in page.text  # the exact instant stays readable


async def test_a_polish_workspace_reads_the_order_and_return_pages_in_polish_on_warsaws_clock(
    client: httpx.AsyncClient,
) -> None:
    """The order and return pages and their histories write a moment as the workspace's
    language does, on the shop's clock, like the lists: at 23:30 UTC on 7 December a
    Warsaw shop's Polish workspace reads "8 gru 2026, 00:30" (it read the ISO
    "2026-12-08 00:30"); the instant stays in ``datetime``."""
    late = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    shop = await review_shop()
    await Merchant.filter(id=shop.id).update(time_zone="Europe/Warsaw")
    await signed_in_owner(client, shop)
    client.headers["Accept-Language"] = "pl-PL,pl;q=0.9"
    ret = await return_for(shop)
    await ReturnRequest.filter(id=ret.id).update(created_at=late)
    await ReturnTransition.filter(return_request_id=ret.id).update(created_at=late)
    await Order.filter(id=ret.order_id).update(placed_at=late)
    change = await ConsentChange.create(
        customer_id=(await Order.get(id=ret.order_id)).customer_id,  # type: ignore[attr-defined]
        channel=Channel.SMS, granted=True, source=ConsentSource.WORKSPACE,
    )  # fmt: skip
    await ConsentChange.filter(id=change.id).update(created_at=late)
    transitions = await ReturnTransition.filter(return_request_id=ret.id).count()

    for path, times in (
        (f"/admin/orders/{ret.order_id}", 2),
        (f"/admin/returns/{ret.id}", 1 + transitions),
    ):
        page = await client.get(path)
        assert page.status_code == 200 and '<html lang="pl"' in page.text, path
        assert page.text.count(">8 gru 2026, 00:30</time>") == times, (path, page.text)
        assert f'datetime="{late.isoformat()}"' in page.text, path
        shown = re.sub(r'datetime="[^"]*"', "", page.text)  # what the owner reads
        assert "2026-12-0" not in shown and "23:30" not in shown, path
