"""The workspace writes times on the shop's clock (its settings' time zone), never UTC: the
pages that once printed "… UTC" (webhooks and their delivery log, staff, carriers, stores,
an order, API keys), read by the owner of a shop in Kolkata over HTTP.

Kolkata is UTC+5:30 with no summer time, so a page that wrote UTC differs in the hour and
the minutes and would be caught."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from portal.models import (
    ApiKey,
    Channel,
    ConsentChange,
    ConsentSource,
    DeliveryState,
    PlatformConnection,
    StaffUser,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models.platforms import Platform, PlatformRecord, RecordKind
from tests import factories
from tests.admin.helpers import signed_in_owner

KOLKATA = ZoneInfo("Asia/Kolkata")


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
        (f"/admin/orders/{order.id}", [f"Cancelled on {shop_past}", shop_past]),
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
