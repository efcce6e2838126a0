"""The workspace writes times on the shop's clock (its settings' time zone), never UTC, as
its language writes them, never ISO: the pages that once printed "… UTC" (webhooks and
their delivery log, staff, carriers, stores, an order, API keys), read by the owner of a
shop in Kolkata over HTTP; the order, return and shipment pages and the attention queue,
read in Polish by a Warsaw shop and in English by a New York one.

Kolkata is UTC+5:30 with no summer time, so a page that wrote UTC differs in the hour and
the minutes and would be caught."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from babel.dates import format_datetime

from carriers.base import Status
from portal.models import (
    ApiKey,
    AttentionItem,
    AttentionKind,
    Channel,
    ConsentChange,
    ConsentSource,
    DeliveryState,
    Merchant,
    Metric,
    Order,
    OutboxMessage,
    Outcome,
    PlatformConnection,
    ReturnRequest,
    ReturnTransition,
    Shipment,
    StaffUser,
    Survey,
    SurveyAnswer,
    TrackingEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models.platforms import Platform, PlatformRecord, RecordKind
from tests import factories
from tests.admin.helpers import signed_in_owner
from tests.admin.returns_helpers import return_for, review_shop

KOLKATA = ZoneInfo("Asia/Kolkata")


def _english(moment: datetime, zone: ZoneInfo = KOLKATA, pattern: str = "h:mm") -> str:
    """The moment on ``zone``'s clock as the workspace writes it in English (CLDR's medium
    date and short time: "Dec 8, 2026, 12:30 AM", a narrow space before the "AM";
    ``pattern`` "h:mm:ss" for the delivery log's medium time)."""
    return format_datetime(moment, f"MMM d, y, {pattern}\u202fa", tzinfo=zone, locale="en")


def _both(moment: datetime, pattern: str = "h:mm") -> tuple[str, str]:
    """The moment as the shop reads it, and as a page on UTC would have written it."""
    return _english(moment, KOLKATA, pattern), _english(moment, ZoneInfo("UTC"), pattern)


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
    seconds = _both(past, "h:mm:ss")
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
        shown_text = re.sub(r'datetime="[^"]*"', "", page.text)
        assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", shown_text), path  # no ISO
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


#: Half past eleven at night in UTC, before the run: the next day's 00:30 in Warsaw (UTC+1
#: in winter), still 30 November at 18:30 in New York (UTC-5).
LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


async def _parcel_with_news_at(shop: Merchant, at: datetime) -> Shipment:
    """A parcel whose history all happened at ``at``: the carrier's scan, the message it
    sent, the customer's survey answer, and the attention item it raised (with the carrier
    contacted); due on 2 December."""
    parcel = await factories.shipment(
        shop, status=Status.EXCEPTION, carrier_key="sandbox", estimated_delivery=date(2026, 12, 2)
    )
    await TrackingEvent.create(
        shipment=parcel, occurred_at=at, status=Status.EXCEPTION,
        description="Address incomplete", dedupe_key="late-scan",
    )  # fmt: skip
    message = await OutboxMessage.create(
        merchant=shop, shipment=parcel, channel=Channel.EMAIL, recipient="a@example.test",
        trigger="exception", unique_key=f"shipment:{parcel.id}:exception:email", scheduled_for=at,
    )  # fmt: skip
    await OutboxMessage.filter(id=message.id).update(created_at=at)
    survey = await Survey.create(
        merchant=shop, shipment=parcel, outcome=Outcome.SMOOTH, token_hash=f"{parcel.id:064d}",
        expires_at=at + timedelta(days=30),
    )  # fmt: skip
    await SurveyAnswer.create(
        merchant=shop, survey=survey, question="csat_delivery", metric=Metric.CSAT, score=2,
        comment="Late again", outcome=Outcome.SMOOTH, answered_at=at,
    )  # fmt: skip
    await AttentionItem.create(
        merchant=shop, kind=AttentionKind.EXCEPTION, shipment=parcel, carrier_key="sandbox",
        since=at, episode=f"exception:shipment:{parcel.id}:{at.isoformat()}",
        detail={"reason": "address_issue"}, carrier_contacted_at=at,
        carrier_contacted_by="owner@example.test",
    )  # fmt: skip
    return parcel


async def _pages(client: httpx.AsyncClient, zone: str, language: str) -> dict[str, str]:
    """The shipment page and the attention queue of a shop on ``zone``'s clock, read in
    ``language``, for a parcel whose scan, message, survey answer and attention item all
    happened at :data:`LATE`."""
    shop = await factories.merchant(time_zone=zone)
    await signed_in_owner(client, shop)
    client.headers["Accept-Language"] = language
    parcel = await _parcel_with_news_at(shop, LATE)
    shown = {}
    for path in (f"/admin/shipments/{parcel.id}", "/admin/attention"):
        page = await client.get(path)
        assert page.status_code == 200, path
        shown[path.split("/")[2]] = page.text
    return shown


def _no_iso_or_utc(page: str) -> None:
    """No ISO day and no UTC time is left for the reader; the instant itself stays in the
    ``<time datetime>`` attribute, where machines read it."""
    text = re.sub(r'datetime="[^"]*"', "", page)
    iso = re.search(r".{0,60}\d{4}-\d{2}-\d{2}.{0,20}", text)
    assert iso is None, iso
    assert "23:30" not in text and "11:30" not in text and "UTC" not in text
    assert f'<time datetime="{LATE.isoformat()}">' in page


async def test_a_polish_workspace_reads_a_warsaw_shipment_and_its_queue_item_next_day(
    client: httpx.AsyncClient,
) -> None:
    """The shipment page (its scans, messages, the customer's feedback, the expected day)
    and the attention queue write times as the order and return pages do: 23:30 UTC on
    30 November is "1 gru 2026, 00:30" on Warsaw's clock, in Polish. They wrote
    "2026-12-01 00:30" (the shipment page) and "30.11.2026, 23:30" in UTC (the queue)."""
    shown = await _pages(client, "Europe/Warsaw", "pl-PL,pl;q=0.9")

    shipment = shown["shipments"]
    assert '<html lang="pl"' in shipment
    # The scan, the message and the survey answer.
    assert shipment.count(">1 gru 2026, 00:30</time>") == 3, shipment
    assert ">2 gru 2026</time>" in shipment  # the estimated delivery, a day
    _no_iso_or_utc(shipment)

    queue = shown["attention"]
    assert queue.count(">1 gru 2026, 00:30</time>") == 2, queue  # since; carrier contacted
    _no_iso_or_utc(queue)


async def test_an_english_workspace_reads_a_new_york_shipment_and_its_queue_item_the_us_way(
    client: httpx.AsyncClient,
) -> None:
    """The same history for a New York shop read in American English: "Nov 30, 2026,
    6:30 PM" (CLDR puts a narrow no-break space before the PM), not the next day's UTC."""
    shown = await _pages(client, "America/New_York", "en-US,en;q=0.9")
    moment = "Nov 30, 2026, 6:30\u202fPM"

    shipment = shown["shipments"]
    assert shipment.count(f">{moment}</time>") == 3, shipment
    assert ">Dec 2, 2026</time>" in shipment
    _no_iso_or_utc(shipment)

    queue = shown["attention"]
    assert queue.count(f">{moment}</time>") == 2, queue
    assert "Dec 1" not in queue  # UTC's day
    _no_iso_or_utc(queue)
