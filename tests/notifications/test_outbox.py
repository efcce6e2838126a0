"""A rendered message lands in the outbox once, timed out of the recipient's quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from tortoise import connections

from portal.models import Channel, OutboxMessage
from portal.notifications.outbox import enqueue
from portal.notifications.templates import Rendered
from tests import factories


async def test_it_defers_out_of_quiet_hours_and_never_writes_twice(db: str) -> None:
    shop = await factories.merchant()
    buyer = await factories.customer(shop)
    late_evening = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 23:30 in Warsaw
    fields = {
        "merchant_id": shop.id,
        "customer_id": buyer.id,
        "shipment_id": None,
        "channel": Channel.EMAIL,
        "recipient": "ann@example.test",
        "trigger": "delivered",
        "unique_key": "test:1:delivered:email",
        "locale": "en",
        "rendered": Rendered(subject="Delivered", text="It is here.", html=None),
        "due": late_evening,
        "zone": ZoneInfo("Europe/Warsaw"),
        "quiet_hours": (time(21), time(8)),
        "using_db": connections.get("default"),
    }
    first = await enqueue(**fields)
    await enqueue(**{**fields, "rendered": Rendered(subject="Again", text="x", html=None)})
    assert first == datetime(2026, 11, 24, 7, tzinfo=UTC)  # 08:00 in Warsaw
    (message,) = await OutboxMessage.all()
    assert (message.subject, message.scheduled_for) == ("Delivered", first)
