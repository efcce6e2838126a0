"""Every move of a return writes a ``return.<state>`` delivery for the endpoints that
subscribe to it, with the whole return in the data (amounts as decimal strings)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tortoise.transactions import in_transaction

from portal.models import DomainEvent, Merchant, ReturnRequest, WebhookDelivery, WebhookEndpoint
from portal.returns import queue, service
from portal.settings import Settings
from portal.webhooks_out import admin, returns_listener, topics
from tests import factories
from tests.admin.returns_helpers import return_for, review_shop
from tests.conftest import make_settings


@pytest.fixture
def hook_settings(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db)


async def _endpoint(settings: Settings, shop: Merchant, *patterns: str) -> WebhookEndpoint:
    endpoint, _ = await admin.create_endpoint(
        settings, merchant_id=shop.id, url="https://x.test/h", topics_=list(patterns)
    )
    return endpoint


async def _topics(endpoint: WebhookEndpoint) -> list[str]:
    rows = await WebhookDelivery.filter(endpoint=endpoint).order_by("id")
    return [row.topic for row in rows]


async def test_topic_patterns_filter_what_each_endpoint_gets(hook_settings: Settings) -> None:
    shop = await review_shop()
    everything = await _endpoint(hook_settings, shop, "return.*")
    resolved_only = await _endpoint(hook_settings, shop, "return.resolved")
    shipments = await _endpoint(hook_settings, shop, "shipment.*")
    star = await _endpoint(hook_settings, shop, "*")
    ret = await return_for(shop)
    await service.approve(ret, actor="staff:1", settings=factories.app_settings())
    await queue.mark_received(
        ret, actor="staff:1", issue_refund=True, settings=factories.app_settings()
    )
    moves = [
        "return.requested",
        "return.needs_review",
        "return.approved",
        "return.awaiting_shipment",
        "return.received",
        "return.resolved",
    ]
    assert await _topics(everything) == moves
    assert await _topics(star) == moves
    assert await _topics(resolved_only) == ["return.resolved"]
    assert await _topics(shipments) == []


async def test_the_data_describes_the_return_for_paying_it_out(hook_settings: Settings) -> None:
    shop = await review_shop(return_shipping_fee=Decimal("4.50"))
    endpoint = await _endpoint(hook_settings, shop, "return.resolved")
    shirt = await factories.variant(shop, sku="TEE-M")
    ret = await return_for(shop, quantity=2, variant=shirt, reason="too_small")
    await service.approve(ret, actor="staff:1", settings=factories.app_settings())
    await queue.mark_received(
        ret, actor="staff:7", issue_refund=True, settings=factories.app_settings()
    )
    (delivery,) = await WebhookDelivery.filter(endpoint=endpoint)
    order = await (await ReturnRequest.get(id=ret.id)).order
    assert delivery.payload["topic"] == "return.resolved"
    data = delivery.payload["data"]
    assert data["change"] == {
        "from_state": "received",
        "to_state": "resolved",
        "actor": "staff:7",
        "note": "settled at receipt",
    }
    body = data["return"]
    assert (body["number"], body["state"], body["order_number"]) == (
        ret.number,
        "resolved",
        order.number,
    )
    assert (body["currency"], body["refund_total"], body["fees_total"]) == ("USD", "55.50", "4.50")
    assert body["credit_total"] == "0.00"
    (item,) = body["items"]
    assert (item["sku"], item["quantity"], item["resolution"], item["reason"]) == (
        "TEE-M",
        2,
        "refund",
        "too_small",
    )
    assert item["amount"] == "60.00"
    assert item["exchange"] is None


async def test_a_replayed_event_writes_no_second_delivery(hook_settings: Settings) -> None:
    shop = await review_shop()
    endpoint = await _endpoint(hook_settings, shop, "return.*")
    ret = await return_for(shop)
    event = await DomainEvent.get(subject_id=ret.id, kind="return.needs_review")
    async with in_transaction() as conn:
        await returns_listener.enqueue_return_deliveries(event, factories.listener_context(conn))
    assert await _topics(endpoint) == ["return.requested", "return.needs_review"]


async def test_another_merchants_endpoint_gets_nothing(hook_settings: Settings) -> None:
    theirs = await _endpoint(hook_settings, await factories.merchant(), "*")
    await return_for(await review_shop())
    assert await _topics(theirs) == []


def test_return_topics_are_known_patterns() -> None:
    for good in ("return.*", "return.resolved", "return.needs_review", "return.expired"):
        assert topics.pattern_problem(good) is None, good
    assert topics.pattern_problem("return.lost") is not None
    assert all(topics.matches("return.*", topic) for topic in topics.RETURN_TOPICS)
