"""The delivery log keeps 30 days of finished deliveries and every pending one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from portal.models import DeliveryState, WebhookDelivery
from portal.webhooks_out import admin
from portal.webhooks_out.purge import purge_deliveries
from tests import factories
from tests.conftest import make_settings

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


async def test_it_forgets_finished_deliveries_older_than_30_days(tmp_path: Path, db: str) -> None:
    shop = await factories.merchant()
    endpoint, _ = await admin.create_endpoint(
        make_settings(tmp_path, database_url=db),
        merchant_id=shop.id,
        url="https://x.test/h",
        topics_=["*"],
    )
    ages = {
        "old-delivered": (DeliveryState.DELIVERED, 31),
        "old-failed": (DeliveryState.FAILED, 40),
        "old-pending": (DeliveryState.PENDING, 60),
        "recent-delivered": (DeliveryState.DELIVERED, 29),
    }
    for topic, (state, days) in ages.items():
        delivery = await WebhookDelivery.create(
            endpoint=endpoint, topic=topic, state=state, next_attempt_at=NOW
        )
        await WebhookDelivery.filter(id=delivery.id).update(created_at=NOW - timedelta(days=days))
    assert await purge_deliveries(NOW) == 2
    left = await WebhookDelivery.all().order_by("topic").values_list("topic", flat=True)
    assert left == ["old-pending", "recent-delivered"]
