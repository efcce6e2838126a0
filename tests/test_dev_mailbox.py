"""The whole notification loop in the embedded mode: a parcel moves, the customer is told,
and the message lands in the dev mailbox page instead of going out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from carriers.sandbox import make_numbers
from portal.app import create_app
from portal.http import build_client, sandbox_base_url
from portal.models import MessageState, OutboxMessage, Shipment
from portal.notifications.dispatcher import dispatch_once
from portal.settings import Settings
from portal.tracking.sweep import poll_once
from tests import factories
from tests.conftest import client_for, make_settings


async def _moving_parcel(settings: Settings) -> Shipment:
    shop = await factories.merchant()
    account = await factories.carrier_account(
        shop, settings=settings, base_url_override=sandbox_base_url(settings)
    )
    buyer = await factories.customer(shop, email="ann@example.test", time_zone="UTC")
    order = await factories.order(shop, customer=buyer, email="ann@example.test")
    now = datetime.now(UTC)
    (number,) = make_numbers(1, seed=3, now=now - timedelta(days=1), days=1, scenario=None)
    parcel = await factories.shipment(
        shop, order=order, carrier_account=account, tracking_number=number, next_poll_at=now
    )
    # Imported before its first scan, so its messages are not a first-sync flood.
    await Shipment.filter(id=parcel.id).update(created_at=now - timedelta(days=3))
    return parcel


async def test_a_status_change_reaches_the_dev_mailbox(settings: Settings, db: str) -> None:
    parcel = await _moving_parcel(settings)
    async with build_client(settings) as client:
        report = await poll_once(settings, client=client)
    assert report.claimed == 1
    await parcel.refresh_from_db()
    assert parcel.status.value != "pending"

    messages = await OutboxMessage.filter(shipment_id=parcel.id)
    assert messages, "a status change queues a message for the customer"
    # Quiet hours may defer a message; dispatch as if it were due now.
    await OutboxMessage.filter(shipment_id=parcel.id).update(scheduled_for=datetime.now(UTC))
    sent = await dispatch_once(settings)
    assert sent.claimed == len(messages)
    assert await OutboxMessage.filter(
        shipment_id=parcel.id, state=MessageState.SENT
    ).count() == len(messages)

    app = create_app(settings, manage_db=False)
    async with client_for(app) as web:
        page = await web.get("/dev/mailbox")
        assert page.status_code == 200
        assert page.template.name == "dev/mailbox.html"  # type: ignore[attr-defined]
        assert {m.id for m in page.context["messages"]} >= {m.id for m in messages}  # type: ignore[attr-defined]
        detail = await web.get(f"/dev/mailbox/{messages[0].id}")
        assert detail.status_code == 200
        assert "ann@example.test" in detail.text


async def test_the_dev_mailbox_does_not_exist_in_production(tmp_path: Path, db: str) -> None:
    app = create_app(make_settings(tmp_path, mode="production", database_url=db), manage_db=False)
    async with client_for(app, base_url="https://t") as web:
        response = await web.get("/dev/mailbox")
    assert response.status_code == 404


async def test_an_unknown_message_is_404(web: httpx.AsyncClient) -> None:
    assert (await web.get("/dev/mailbox/999999")).status_code == 404
