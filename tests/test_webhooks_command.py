"""``portal webhooks``' functions: the endpoints, a page of one's delivery log and resend,
answered as the API answers them (same JSON, cursors that read on across both, the same
refusals), scoped to the merchant named."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portal import webhooks_command
from portal.api.webhook_endpoints import deliveries_page
from portal.models import DeliveryState, Merchant, WebhookDelivery, WebhookEndpoint
from portal.settings import Settings
from portal.webhooks_out import admin
from tests import factories
from tests.conftest import make_settings

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def hook_settings(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db)


async def _endpoint(settings: Settings, shop: Merchant) -> WebhookEndpoint:
    endpoint, _ = await admin.create_endpoint(
        settings, merchant_id=shop.id, url="https://hooks.example.test/doorstep", topics_=["*"]
    )
    return endpoint


async def _delivery(
    endpoint: WebhookEndpoint, minutes_ago: int, state: DeliveryState
) -> WebhookDelivery:
    at = NOW - timedelta(minutes=minutes_ago)
    delivery = await WebhookDelivery.create(
        endpoint=endpoint, topic="shipment.delivered", state=state, attempts=1,
        payload={"id": f"evt_{minutes_ago}", "topic": "shipment.delivered", "data": {}},
        next_attempt_at=at,
    )  # fmt: skip
    await WebhookDelivery.filter(id=delivery.id).update(created_at=at)
    return delivery


async def test_it_lists_the_shops_endpoints_as_the_api_does(hook_settings: Settings) -> None:
    shop = await factories.merchant(slug="acme")
    endpoint = await _endpoint(hook_settings, shop)
    await _endpoint(hook_settings, await factories.merchant(slug="other"))

    listed = await webhooks_command.list_endpoints(shop)

    assert [(e["id"], e["url"], e["enabled"]) for e in listed] == [
        (endpoint.id, "https://hooks.example.test/doorstep", True)
    ]
    assert "secret" not in listed[0]


async def test_it_pages_the_log_newest_first_by_state(hook_settings: Settings) -> None:
    shop = await factories.merchant(slug="acme")
    endpoint = await _endpoint(hook_settings, shop)
    failed = [await _delivery(endpoint, m, DeliveryState.FAILED) for m in (30, 20, 10)]
    await _delivery(endpoint, 5, DeliveryState.DELIVERED)

    first = await webhooks_command.deliveries(
        hook_settings, shop, endpoint.id, state="failed", limit=2
    )
    rest = await webhooks_command.deliveries(
        hook_settings, shop, endpoint.id, state="failed", limit=2, cursor=first["next_cursor"]
    )

    assert [d["id"] for d in first["data"]] == [failed[2].id, failed[1].id]
    assert [d["id"] for d in rest["data"]] == [failed[0].id] and rest["next_cursor"] is None
    assert first == await deliveries_page(
        hook_settings.secret_key, endpoint, limit=2, state=DeliveryState.FAILED
    ), "the API's page, cursor included"


async def test_it_resends_a_failed_delivery_as_a_copy_due_now(hook_settings: Settings) -> None:
    shop = await factories.merchant(slug="acme")
    endpoint = await _endpoint(hook_settings, shop)
    failed = await _delivery(endpoint, 10, DeliveryState.FAILED)

    copy = await webhooks_command.resend(shop, endpoint.id, failed.id, now=NOW)

    assert copy["id"] != failed.id and copy["state"] == "pending"
    assert copy["event_id"] == "evt_10" and copy["payload"] == failed.payload
    assert await WebhookDelivery.filter(endpoint_id=endpoint.id).count() == 2


async def test_it_refuses_what_the_api_refuses(hook_settings: Settings) -> None:
    shop = await factories.merchant(slug="acme")
    endpoint = await _endpoint(hook_settings, shop)
    theirs = await _endpoint(hook_settings, await factories.merchant(slug="other"))
    pending = await _delivery(endpoint, 10, DeliveryState.PENDING)
    failed = await _delivery(endpoint, 20, DeliveryState.FAILED)

    async def refusal(call: Awaitable[object]) -> str:
        with pytest.raises(webhooks_command.Refused) as refused:
            await call
        return str(refused.value)

    resend, log = webhooks_command.resend, webhooks_command.deliveries
    assert await refusal(resend(shop, endpoint.id, pending.id)) == (
        "The delivery is still pending: it will be sent."
    )
    assert await refusal(resend(shop, theirs.id, failed.id)) == (
        f"merchant 'acme' has no webhook endpoint with id {theirs.id}"
    )
    assert await refusal(resend(shop, endpoint.id, 10**9)) == (
        f"webhook endpoint {endpoint.id} has no delivery with id {10**9}"
    )
    assert await refusal(log(hook_settings, shop, endpoint.id, limit=0)) == (
        "--limit must be from 1 to 100"
    )
    assert "--cursor is not a cursor" in await refusal(
        log(hook_settings, shop, endpoint.id, cursor="forged")
    )
    await admin.set_enabled(shop.id, endpoint.id, False)
    assert await refusal(resend(shop, endpoint.id, failed.id)) == (
        "The endpoint is disabled: enable it to resend."
    )
    assert await WebhookDelivery.filter(endpoint_id=endpoint.id).count() == 2, "no copy"
