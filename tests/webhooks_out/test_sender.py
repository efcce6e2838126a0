"""The sender: signed POSTs an example receiver verifies, retries with backoff, failure
after the last attempt, and no row delivered twice by two senders at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from portal.models import DeliveryState, Merchant, WebhookDelivery, WebhookEndpoint
from portal.settings import Settings
from portal.webhooks_out import admin, sender
from portal.webhooks_out.signing import sign
from tests import factories
from tests.conftest import make_settings
from tests.webhooks_out.receiver import URL, Receiver


@pytest.fixture
def hook_settings(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db)


async def _endpoint(
    settings: Settings, shop: Merchant | None = None
) -> tuple[WebhookEndpoint, str]:
    shop = shop or await factories.merchant()
    return await admin.create_endpoint(settings, merchant_id=shop.id, url=URL, topics_=["*"])


async def test_a_ping_arrives_signed_and_is_marked_delivered(hook_settings: Settings) -> None:
    endpoint, secret = await _endpoint(hook_settings)
    delivery = await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    receiver = Receiver(secret)
    async with receiver.client() as client:
        more = await sender.deliver_once(hook_settings, client=client)
    assert more is False
    assert [p["topic"] for p in receiver.accepted] == ["ping"]
    stored = await WebhookDelivery.get(id=delivery.id)  # type: ignore[union-attr]
    assert stored.state == DeliveryState.DELIVERED
    assert (stored.attempts, stored.response_status, stored.response_excerpt) == (1, 200, "thanks")
    assert stored.delivered_at is not None and stored.lease_until is None


async def test_a_failing_receiver_is_retried_with_growing_backoff(hook_settings: Settings) -> None:
    endpoint, secret = await _endpoint(hook_settings)
    delivery = await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    receiver = Receiver(secret, status=503)
    now = datetime.now(UTC)
    waits = []
    async with receiver.client() as client:
        for _ in range(3):
            await sender.deliver_once(hook_settings, client=client, now=now)
            stored = await WebhookDelivery.get(id=delivery.id)  # type: ignore[union-attr]
            assert stored.state == DeliveryState.PENDING
            assert (stored.response_status, stored.response_excerpt) == (503, "boom")
            waits.append(stored.next_attempt_at - now)
            assert not await sender.deliver_once(hook_settings, client=client, now=now)
            now = stored.next_attempt_at
    assert len(receiver.accepted) == 3
    assert timedelta(seconds=47) < waits[0] < timedelta(seconds=73)
    assert waits[0] < waits[1] < waits[2]


async def test_it_gives_up_after_the_last_attempt(hook_settings: Settings) -> None:
    endpoint, secret = await _endpoint(hook_settings)
    delivery = await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    await WebhookDelivery.filter(id=delivery.id).update(attempts=sender.MAX_ATTEMPTS - 1)  # type: ignore[union-attr]
    async with Receiver(secret, status=500).client() as client:
        await sender.deliver_once(hook_settings, client=client)
    stored = await WebhookDelivery.get(id=delivery.id)  # type: ignore[union-attr]
    assert (stored.state, stored.attempts) == (DeliveryState.FAILED, sender.MAX_ATTEMPTS)


async def test_a_network_error_is_retried(hook_settings: Settings) -> None:
    endpoint, _ = await _endpoint(hook_settings)
    delivery = await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    with respx.mock:
        respx.post(URL).mock(side_effect=httpx.ConnectTimeout("timed out"))
        async with httpx.AsyncClient() as client:
            await sender.deliver_once(hook_settings, client=client)
    stored = await WebhookDelivery.get(id=delivery.id)  # type: ignore[union-attr]
    assert stored.state == DeliveryState.PENDING and stored.response_status is None
    assert stored.response_excerpt == "ConnectTimeout: timed out"


async def test_a_disabled_endpoint_fails_its_deliveries(hook_settings: Settings) -> None:
    endpoint, secret = await _endpoint(hook_settings)
    delivery = await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    await admin.disable_endpoint(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    receiver = Receiver(secret)
    async with receiver.client() as client:
        await sender.deliver_once(hook_settings, client=client)
    assert receiver.raw == []
    assert (await WebhookDelivery.get(id=delivery.id)).state == DeliveryState.FAILED  # type: ignore[union-attr]


async def test_the_receiver_rejects_a_replay_outside_the_window(hook_settings: Settings) -> None:
    endpoint, secret = await _endpoint(hook_settings)
    await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    receiver = Receiver(secret)
    async with receiver.client() as client:
        await sender.deliver_once(hook_settings, client=client)
        headers, body = receiver.raw[0]
        receiver.clock = lambda: datetime.now(UTC) + timedelta(minutes=6)
        replay = await client.post("http://receiver/hook", content=body, headers=headers)
    assert replay.status_code == 400
    assert receiver.rejected == 1 and len(receiver.accepted) == 1


async def test_a_forged_signature_is_rejected_by_the_receiver() -> None:
    receiver = Receiver("whsec_real")
    body = b'{"id":"evt_1","topic":"ping"}'
    async with receiver.client() as client:
        forged = sign("whsec_guess", body, datetime.now(UTC))
        response = await client.post(
            "http://receiver/hook", content=body, headers={"Doorstep-Signature": forged}
        )
    assert response.status_code == 400


async def test_a_full_batch_says_more_is_waiting(hook_settings: Settings) -> None:
    endpoint, secret = await _endpoint(hook_settings)
    for _ in range(3):
        await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    async with Receiver(secret).client() as client:
        assert await sender.deliver_once(hook_settings, client=client, limit=2) is True
        assert await sender.deliver_once(hook_settings, client=client, limit=2) is False


async def test_two_senders_never_deliver_one_row_twice(hook_settings: Settings) -> None:
    endpoint, secret = await _endpoint(hook_settings)
    ids = [
        (await admin.send_test(endpoint.merchant_id, endpoint.id)).id  # type: ignore[attr-defined,union-attr]
        for _ in range(30)
    ]
    receiver = Receiver(secret)

    async def one_sender() -> None:
        async with receiver.client() as client:
            while await sender.deliver_once(hook_settings, client=client, limit=4):
                pass

    await asyncio.gather(one_sender(), one_sender(), one_sender())
    delivered = [p["id"] for p in receiver.accepted]
    assert sorted(delivered) == sorted(f"ping_{i}" for i in ids)
    assert len(delivered) == len(set(delivered))
    assert await WebhookDelivery.filter(state=DeliveryState.DELIVERED, attempts=1).count() == 30


async def test_a_lost_lease_comes_back(hook_settings: Settings) -> None:
    endpoint, _ = await _endpoint(hook_settings)
    await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    assert len(await sender.claim_due(now=now)) == 1  # a sender that then dies
    assert await sender.claim_due(now=now) == []
    assert len(await sender.claim_due(now=now + sender.LEASE)) == 1


async def test_only_the_start_of_a_huge_answer_is_kept(hook_settings: Settings) -> None:
    endpoint, _ = await _endpoint(hook_settings)
    delivery = await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    with respx.mock:
        respx.post(URL).mock(return_value=httpx.Response(200, content=b"x" * 5_000_000))
        async with httpx.AsyncClient() as client:
            await sender.deliver_once(hook_settings, client=client)
    stored = await WebhookDelivery.get(id=delivery.id)  # type: ignore[union-attr]
    assert stored.state == DeliveryState.DELIVERED
    assert stored.response_excerpt == "x" * sender.EXCERPT


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(hook_settings: Settings) -> None:
    endpoint, _ = await _endpoint(hook_settings)
    delivery = await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
    with respx.mock:
        respx.post(URL).mock(
            return_value=httpx.Response(302, headers={"Location": "http://169.254.169.254/"})
        )
        async with httpx.AsyncClient() as client:
            await sender.deliver_once(hook_settings, client=client)
    stored = await WebhookDelivery.get(id=delivery.id)  # type: ignore[union-attr]
    assert (stored.state, stored.response_status) == (DeliveryState.PENDING, 302)


async def test_a_stopping_worker_delivers_what_it_began_and_hands_back_the_rest(
    hook_settings: Settings,
) -> None:
    from portal.core import draining

    endpoint, secret = await _endpoint(hook_settings)
    for _ in range(5):
        await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]

    class StopsAfterFirst(Receiver):
        async def hook(self, request: Request) -> PlainTextResponse:
            draining.request_stop()  # SIGTERM while the first delivery is under way
            return await super().hook(request)

    receiver = StopsAfterFirst(secret)
    try:
        async with receiver.client() as client:
            await sender.deliver_once(hook_settings, client=client)
    finally:
        draining.reset()

    assert len(receiver.accepted) == 1
    waiting = await WebhookDelivery.filter(state=DeliveryState.PENDING)
    assert len(waiting) == 4
    assert all(d.lease_until is None and d.attempts == 0 for d in waiting)


async def test_deliveries_of_several_months_are_sent_once_and_handed_back_by_their_keys(
    hook_settings: Settings,
) -> None:
    """Each delivery is named by (id, created_at) (monthly partitions on PostgreSQL): a
    batch spanning months is claimed, sent once, and what a stopping worker never began
    goes back uncounted, whatever month it was created in."""
    from portal.core import draining

    endpoint, secret = await _endpoint(hook_settings)
    now = datetime.now(UTC)
    ids = []
    for age in (95, 62, 31, 0, 0):
        delivery = await admin.send_test(endpoint.merchant_id, endpoint.id)  # type: ignore[attr-defined]
        ids.append(delivery.id)  # type: ignore[union-attr]
        if age:
            await WebhookDelivery.filter(id=delivery.id).update(  # type: ignore[union-attr]
                created_at=now - timedelta(days=age)
            )

    class StopsAfterFirst(Receiver):
        async def hook(self, request: Request) -> PlainTextResponse:
            draining.request_stop()
            return await super().hook(request)

    first = StopsAfterFirst(secret)
    try:
        async with first.client() as client:
            await sender.deliver_once(hook_settings, client=client)
    finally:
        draining.reset()
    waiting = await WebhookDelivery.filter(state=DeliveryState.PENDING)
    assert len(first.accepted) == 1 and len(waiting) == 4
    assert all(d.lease_until is None and d.attempts == 0 for d in waiting)

    second = Receiver(secret)
    async with second.client() as client:
        assert await sender.deliver_once(hook_settings, client=client) is False
    delivered = [p["id"] for p in first.accepted + second.accepted]
    assert sorted(delivered) == sorted(f"ping_{i}" for i in ids)
    assert await WebhookDelivery.filter(state=DeliveryState.DELIVERED, attempts=1).count() == 5
