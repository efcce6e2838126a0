"""Carrier push: verified, idempotent, through the same ingest path as polls."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from carriers.base import Status
from carriers.sandbox import SCENARIO_EXAMPLES, SIGNATURE_HEADER, make_numbers, sign
from carriers.sandbox.server import push_updates, track_payload
from portal.models import (
    CarrierAccount,
    DomainEvent,
    EventSource,
    Merchant,
    Shipment,
    TrackingEvent,
)
from portal.settings import Settings
from portal.tracking.push import PushStatus, carrier_webhook, handle_push
from tests import factories
from tests.tracking.helpers import NOW, make_shipments

SECRET = "whsec-test"
DELIVERED = SCENARIO_EXAMPLES["delivered"]


@pytest.fixture
async def portal(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A minimal app with the webhook route the lead mounts."""
    app = Starlette(
        routes=[
            Route("/webhooks/carriers/{carrier}/{account:int}", carrier_webhook, methods=["POST"])
        ]
    )
    app.state.settings = settings
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    ) as client:
        yield client


async def merchant_with_account(settings: Settings) -> tuple[Merchant, CarrierAccount]:
    shop = await factories.merchant()
    account = await factories.carrier_account(
        shop, settings=settings, credentials={"api_key": "key", "webhook_secret": SECRET}
    )
    return shop, account


def url(account: CarrierAccount, carrier: str = "sandbox") -> str:
    return f"/webhooks/carriers/{carrier}/{account.id}"


def signed(
    numbers: list[str], secret: str = SECRET, at: object = NOW
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(track_payload(numbers, at)).encode()  # type: ignore[arg-type]
    return body, {SIGNATURE_HEADER: sign(secret, body), "Content-Type": "application/json"}


async def test_a_signed_push_is_ingested_and_accepted(
    db: str, settings: Settings, portal: httpx.AsyncClient
) -> None:
    shop, account = await merchant_with_account(settings)
    numbers = make_numbers(30, seed=40, now=NOW)
    await make_shipments(shop, account, numbers)

    [response] = await push_updates(portal, url(account), numbers, SECRET, NOW)

    assert response.status_code == 202
    assert response.json() == {"status": "accepted", "results": 30, "matched": 30, "unknown": 0}
    assert await TrackingEvent.filter(source=EventSource.PUSH).count() > 0
    assert await Shipment.filter(merchant=shop, status=Status.PENDING).count() < 30


async def test_a_replayed_push_changes_nothing(
    db: str, settings: Settings, portal: httpx.AsyncClient
) -> None:
    shop, account = await merchant_with_account(settings)
    await make_shipments(shop, account, [DELIVERED])
    body, headers = signed([DELIVERED])

    first = await portal.post(url(account), content=body, headers=headers)
    events, domain = await TrackingEvent.all().count(), await DomainEvent.all().count()
    second = await portal.post(url(account), content=body, headers=headers)

    assert (first.status_code, second.status_code) == (202, 202)
    assert (await TrackingEvent.all().count(), await DomainEvent.all().count()) == (events, domain)
    assert (await Shipment.get(tracking_number=DELIVERED)).status is Status.DELIVERED


async def test_a_forged_push_is_refused_and_writes_nothing(
    db: str, settings: Settings, portal: httpx.AsyncClient
) -> None:
    shop, account = await merchant_with_account(settings)
    await make_shipments(shop, account, [DELIVERED])

    for secret in ("not-the-secret", "key"):
        body, headers = signed([DELIVERED], secret=secret)
        response = await portal.post(url(account), content=body, headers=headers)
        assert response.status_code == 401
    unsigned = await portal.post(url(account), content=signed([DELIVERED])[0])

    assert unsigned.status_code == 401
    assert await TrackingEvent.all().count() == 0
    assert (await Shipment.get(tracking_number=DELIVERED)).status is Status.PENDING


@pytest.mark.parametrize("body", [b"not json at all", b'{"parcels": "nope"}', b"[1, 2]"])
async def test_a_malformed_push_is_rejected(
    db: str, settings: Settings, portal: httpx.AsyncClient, body: bytes
) -> None:
    _, account = await merchant_with_account(settings)

    response = await portal.post(
        url(account), content=body, headers={SIGNATURE_HEADER: sign(SECRET, body)}
    )

    assert response.status_code == 400
    assert await TrackingEvent.all().count() == 0


async def test_numbers_of_other_merchants_are_ignored_and_counted(
    db: str, settings: Settings, portal: httpx.AsyncClient
) -> None:
    shop, account = await merchant_with_account(settings)
    other, _ = await merchant_with_account(settings)
    mine, theirs = make_numbers(2, seed=41, now=NOW)
    await make_shipments(shop, account, [mine])
    [their_shipment] = await make_shipments(other, None, [theirs])
    body, headers = signed([mine, theirs, "SBX99999999999"])

    response = await portal.post(url(account), content=body, headers=headers)

    assert response.json()["matched"] == 1 and response.json()["unknown"] == 2
    assert await TrackingEvent.filter(shipment_id=their_shipment.id).count() == 0


async def test_an_unknown_or_mismatched_account_is_not_found(
    db: str, settings: Settings, portal: httpx.AsyncClient
) -> None:
    _, account = await merchant_with_account(settings)
    body, headers = signed([DELIVERED])

    assert (
        await portal.post("/webhooks/carriers/sandbox/999999", content=body, headers=headers)
    ).status_code == 404
    assert (
        await portal.post(url(account, "ups"), content=body, headers=headers)
    ).status_code == 404
    account.enabled = False
    await account.save()
    assert (await portal.post(url(account), content=body, headers=headers)).status_code == 404


async def test_an_older_snapshot_pushed_late_never_rolls_back_delivery(
    db: str, settings: Settings
) -> None:
    shop, account = await merchant_with_account(settings)
    await make_shipments(shop, account, [DELIVERED])
    body, headers = signed([DELIVERED])
    assert (await handle_push("sandbox", account.id, headers, body, settings=settings)).status is (
        PushStatus.ACCEPTED
    )
    shipment = await Shipment.get(tracking_number=DELIVERED)
    label_time = (
        await TrackingEvent.filter(shipment=shipment).order_by("occurred_at").first()
    ).occurred_at  # type: ignore[union-attr]
    old_body, old_headers = signed([DELIVERED], at=label_time + timedelta(hours=30))

    outcome = await handle_push("sandbox", account.id, old_headers, old_body, settings=settings)

    assert (outcome.status, outcome.new_events, outcome.status_changes) == (
        PushStatus.ACCEPTED,
        0,
        0,
    )
    assert (await Shipment.get(id=shipment.id)).status is Status.DELIVERED
