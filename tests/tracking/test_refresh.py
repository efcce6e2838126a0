"""On-demand refresh: one carrier call for many viewers, never longer than the timeout."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from carriers.base import Status
from carriers.sandbox import SCENARIO_EXAMPLES, codes
from carriers.sandbox.journey import journey
from portal.models import CarrierAccount, EventSource, Shipment, TrackingEvent
from portal.settings import Settings
from portal.tracking import refresh
from portal.tracking.refresh import refresh_if_stale
from tests import factories
from tests.tracking.helpers import NOW, Carrier, Fault

NUMBER = SCENARIO_EXAMPLES["failed_attempt"]


async def stale_shipment(settings: Settings, **fields: object) -> Shipment:
    shop = await factories.merchant()
    account = await factories.carrier_account(shop, settings=settings, credentials={"api_key": "k"})
    fields.setdefault("last_polled_at", NOW - timedelta(minutes=10))
    return await factories.shipment(
        shop, carrier_account=account, tracking_number=NUMBER, next_poll_at=NOW, **fields
    )


async def test_a_stale_shipment_is_refreshed_and_reloaded(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await stale_shipment(settings)

    assert await refresh_if_stale(shipment, settings, client=client, now=NOW)

    scans = journey(NUMBER, NOW)
    assert shipment.status is codes.lookup(scans[-1].code)[0]
    assert shipment.last_polled_at == NOW
    assert await TrackingEvent.filter(shipment=shipment, source=EventSource.REFRESH).count() == len(
        scans
    )
    assert carrier.calls == [[NUMBER]]


async def test_a_recently_polled_shipment_is_left_alone(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await stale_shipment(settings, last_polled_at=NOW - timedelta(minutes=2))

    assert not await refresh_if_stale(shipment, settings, client=client, now=NOW)
    assert carrier.calls == []


async def test_a_finished_shipment_is_never_refreshed(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await stale_shipment(settings, status=Status.DELIVERED)
    shipment.next_poll_at = None
    await shipment.save()

    assert not await refresh_if_stale(shipment, settings, client=client, now=NOW)
    assert carrier.calls == []


async def test_ten_concurrent_viewers_cause_one_carrier_call(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await stale_shipment(settings)
    viewers = [await Shipment.get(id=shipment.id) for _ in range(10)]
    carrier.always = Fault(delay=0.05)

    refreshed = await asyncio.gather(
        *(refresh_if_stale(v, settings, client=client, now=NOW) for v in viewers)
    )

    assert sorted(refreshed) == [False] * 9 + [True]
    assert carrier.calls == [[NUMBER]]


async def test_a_lease_held_by_another_process_means_no_call(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await stale_shipment(settings, refresh_lease_until=NOW + timedelta(seconds=20))

    assert not await refresh_if_stale(shipment, settings, client=client, now=NOW)
    assert carrier.calls == []
    later = NOW + timedelta(seconds=21)
    assert await refresh_if_stale(shipment, settings, client=client, now=later)


async def test_a_slow_carrier_never_holds_the_page_beyond_the_timeout(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await stale_shipment(settings)
    carrier.always = Fault(delay=1.0)

    started = time.monotonic()
    assert not await refresh_if_stale(shipment, settings, client=client, now=NOW, timeout=0.1)
    assert time.monotonic() - started < 0.6
    assert (await Shipment.get(id=shipment.id)).last_polled_at == NOW - timedelta(minutes=10)

    await refresh.drain()  # the answer still lands, for the next view
    assert (await Shipment.get(id=shipment.id)).last_polled_at == NOW
    assert not await refresh_if_stale(
        await Shipment.get(id=shipment.id), settings, client=client, now=NOW
    )
    assert len(carrier.calls) == 1


async def test_a_failing_carrier_keeps_what_is_stored_and_holds_the_lease(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await stale_shipment(settings, status=Status.IN_TRANSIT)
    carrier.always = Fault("503")

    assert not await refresh_if_stale(shipment, settings, client=client, now=NOW)
    assert not await refresh_if_stale(shipment, settings, client=client, now=NOW)

    assert len(carrier.calls) == 1
    assert (await Shipment.get(id=shipment.id)).status is Status.IN_TRANSIT


async def test_a_rate_limited_refresh_makes_the_whole_account_wait(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shipment = await stale_shipment(settings)
    carrier.fail_next(Fault("429", retry_after="30"))

    assert not await refresh_if_stale(shipment, settings, client=client, now=NOW)

    account = await CarrierAccount.get(id=shipment.carrier_account_id)
    assert account.rate_limited_until == NOW + timedelta(seconds=30)
    other = await factories.shipment(
        await account.merchant, carrier_account=account, last_polled_at=None
    )
    assert not await refresh_if_stale(other, settings, client=client, now=NOW)
    assert len(carrier.calls) == 1
