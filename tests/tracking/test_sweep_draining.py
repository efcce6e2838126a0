"""A sweep under a stopping worker and a slow carrier: the calls under way finish, the rest
of the batch is due again at once, and the claim is kept alive while the carrier answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from carriers.sandbox import make_numbers
from portal.core import draining
from portal.models import Shipment
from portal.settings import Settings
from portal.tracking import claim
from portal.tracking.sweep import sweep_once, sweep_until_idle
from tests import factories
from tests.tracking.helpers import NOW, Carrier, Fault, make_shipments


@pytest.fixture(autouse=True)
def no_stop_left_over() -> Iterator[None]:
    yield
    draining.reset()


async def shipments(settings: Settings, count: int) -> None:
    shop = await factories.merchant()
    account = await factories.carrier_account(
        shop, settings=settings, credentials={"api_key": "demo"}
    )
    await make_shipments(shop, account, make_numbers(count, seed=21, now=NOW))


async def test_a_stop_mid_sweep_gives_back_the_calls_not_made(
    db: str,
    settings: Settings,
    carrier: Carrier,
    client: httpx.AsyncClient,
    respx_mock: respx.MockRouter,
) -> None:
    await shipments(settings, 300)  # three calls of 100

    async def stop_on_first_call(request: httpx.Request) -> httpx.Response:
        draining.request_stop()  # SIGTERM arrives while the first call is under way
        return await carrier.handle(request)

    respx_mock.routes[0].side_effect = stop_on_first_call
    now = datetime.now(UTC)
    report = await sweep_once(settings, client=client, now=now, per_account=1)

    assert len(carrier.calls) == 1
    assert report.claimed == 300
    polled = await Shipment.filter(last_polled_at=now).count()
    assert polled == 100
    back = await Shipment.filter(last_polled_at__isnull=True).values_list("next_poll_at", flat=True)
    assert len(back) == 200 and all(when == now for when in back)
    assert (await sweep_until_idle(settings, client=client, now=now)).claimed == 0
    draining.reset()
    assert len(await claim.claim_due(now, 500)) == 200  # another worker takes them at once


async def test_the_claim_is_renewed_while_the_carrier_answers(
    db: str,
    settings: Settings,
    carrier: Carrier,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(claim, "CLAIM_LEASE", timedelta(seconds=0.5))
    monkeypatch.setattr(claim, "HEARTBEAT", timedelta(seconds=0.1))
    await shipments(settings, 20)
    carrier.fail_next(Fault(delay=1.2))

    work = asyncio.create_task(sweep_once(settings, client=client, now=datetime.now(UTC)))
    await asyncio.sleep(0.9)  # past the lease it was claimed with
    taken_by_another = await claim.claim_due(datetime.now(UTC), 100)
    report = await work

    assert taken_by_another == []
    assert report.polled == 20 and len(carrier.calls) == 1


async def test_a_dead_sweeps_claim_lapses_within_a_lease(db: str, settings: Settings) -> None:
    await shipments(settings, 5)
    now = datetime.now(UTC)

    assert len(await claim.claim_due(now, 10)) == 5  # then the worker is killed
    assert await claim.claim_due(now + claim.CLAIM_LEASE / 2, 10) == []
    assert len(await claim.claim_due(now + claim.CLAIM_LEASE, 10)) == 5
    assert timedelta(seconds=30) >= claim.CLAIM_LEASE
