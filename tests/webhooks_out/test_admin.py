"""Endpoint management and the delivery log, always scoped to one merchant."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.crypto import decrypt_json
from portal.models import DeliveryState, WebhookDelivery
from portal.settings import Settings
from portal.webhooks_out import admin, delivery_log
from tests import factories
from tests.conftest import make_settings


@pytest.fixture
def hook_settings(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db)


async def test_it_creates_an_endpoint_with_an_encrypted_secret(hook_settings: Settings) -> None:
    shop = await factories.merchant()
    endpoint, secret = await admin.create_endpoint(
        hook_settings, merchant_id=shop.id, url="https://x.test/h", topics_=["shipment.*"] * 2
    )
    assert endpoint.topics == ["shipment.*"]
    assert secret not in endpoint.secret_encrypted
    assert decrypt_json(hook_settings, endpoint.secret_encrypted) == secret
    assert admin.endpoint_secret(hook_settings, endpoint) == secret


async def test_it_refuses_bad_fields(hook_settings: Settings) -> None:
    shop = await factories.merchant()
    with pytest.raises(admin.EndpointError) as raised:
        await admin.create_endpoint(
            hook_settings, merchant_id=shop.id, url="https://x.test", topics_=[]
        )
    assert raised.value.pointer == "/topics"


def test_production_urls_must_be_public_https() -> None:
    assert admin.url_problem("http://127.0.0.1/h", production=False) is None
    assert admin.url_problem("http://hooks.example.com/h", production=True) == "must use https"
    for local in (
        "https://127.0.0.1/h",
        "https://10.1.2.3/h",
        "https://localhost/h",
        "https://[::1]/h",
    ):
        assert admin.url_problem(local, production=True) is not None
    assert admin.url_problem("https://hooks.example.com/h", production=True) is None


async def test_disable_delete_and_list_are_scoped_to_the_merchant(hook_settings: Settings) -> None:
    mine, theirs = await factories.merchant(), await factories.merchant()
    endpoint, _ = await admin.create_endpoint(
        hook_settings, merchant_id=mine.id, url="https://x.test/h", topics_=["*"]
    )
    assert not await admin.disable_endpoint(theirs.id, endpoint.id)
    assert await admin.list_endpoints(theirs.id) == []
    assert await admin.send_test(theirs.id, endpoint.id) is None
    assert await admin.disable_endpoint(mine.id, endpoint.id)
    assert (await admin.get_endpoint(mine.id, endpoint.id)).enabled is False  # type: ignore[union-attr]
    assert await admin.set_enabled(mine.id, endpoint.id, True)
    assert not await admin.delete_endpoint(theirs.id, endpoint.id)
    assert await admin.delete_endpoint(mine.id, endpoint.id)


async def test_send_test_queues_a_ping_shown_in_the_log(hook_settings: Settings) -> None:
    shop = await factories.merchant()
    endpoint, _ = await admin.create_endpoint(
        hook_settings, merchant_id=shop.id, url="https://x.test/h", topics_=["shipment.delivered"]
    )
    delivery = await admin.send_test(shop.id, endpoint.id)
    assert delivery is not None
    stored = await WebhookDelivery.get(id=delivery.id)
    assert (stored.topic, stored.state) == ("ping", DeliveryState.PENDING)
    assert stored.payload["id"] == f"ping_{delivery.id}"
    assert stored.payload["data"] == {"endpoint_id": endpoint.id, "test": True}
    assert [d.id for d in (await delivery_log.page(endpoint)).deliveries] == [delivery.id]
