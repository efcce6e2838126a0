"""Convergence under carrier faults: a failed batch call is retried at once in halves, the
shipments still failing back off one by one (short, jittered, capped), and an open circuit
half-opens with a probe after a short cooldown instead of a fixed pause."""

from __future__ import annotations

import random
from datetime import timedelta

import httpx

from carriers.sandbox import make_numbers
from portal.models import Shipment
from portal.settings import Settings
from portal.tracking import accounts, cadence
from portal.tracking.sweep import sweep_once, sweep_until_idle
from tests import factories
from tests.tracking.helpers import NOW, Carrier, Fault, make_shipments

SECOND = timedelta(seconds=1)


async def shipments(settings: Settings, count: int, seed: int = 31) -> None:
    shop = await factories.merchant()
    account = await factories.carrier_account(
        shop, settings=settings, credentials={"api_key": "demo"}
    )
    await make_shipments(shop, account, make_numbers(count, seed=seed, now=NOW))


async def test_a_failed_batch_call_is_retried_at_once_in_halves(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    await shipments(settings, 100)
    carrier.fail_next(Fault("503"))

    report = await sweep_once(settings, client=client, now=NOW)

    assert [len(call) for call in carrier.calls] == [100, 50, 50]
    assert (report.polled, report.failed) == (100, 0)
    assert await Shipment.filter(poll_failures__gt=0).count() == 0


async def test_halves_that_fail_again_are_halved_once_more(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    await shipments(settings, 100)
    carrier.fail_next(Fault("garbage"), times=2)

    report = await sweep_once(settings, client=client, now=NOW, per_account=1)

    assert sorted(len(call) for call in carrier.calls) == [25, 25, 50, 50, 100]
    assert (report.polled, report.failed) == (100, 0)


async def test_numbers_whose_every_try_failed_back_off_one_by_one_with_jitter(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    await shipments(settings, 8)
    carrier.fail_next(Fault("503"), times=4)  # the call, both halves, and one quarter

    report = await sweep_once(settings, client=client, now=NOW, per_account=1)

    assert report.failed == 2 and report.polled == 6
    failed = await Shipment.filter(poll_failures=1)
    assert len(failed) == 2
    waits = {s.next_poll_at - NOW for s in failed if s.next_poll_at is not None}
    assert all(15 * SECOND <= wait <= 30 * SECOND for wait in waits)


def test_the_per_shipment_backoff_is_capped_at_fifteen_minutes() -> None:
    assert cadence.call_backoff(1, rand=lambda: 1.0) == 30 * SECOND
    assert cadence.call_backoff(3, rand=lambda: 1.0) == 120 * SECOND
    assert cadence.call_backoff(50, rand=lambda: 1.0) == timedelta(minutes=15)
    assert cadence.call_backoff(50, rand=lambda: 0.0) == timedelta(minutes=7.5)


def test_an_open_circuit_waits_briefly_then_longer_after_each_failed_probe() -> None:
    waits = [accounts.circuit_cooldown(n) for n in range(5, 12)]
    assert waits[:4] == [30 * SECOND, 60 * SECOND, 120 * SECOND, 240 * SECOND]
    assert waits[4:] == [timedelta(minutes=5)] * 3


async def test_with_forty_percent_of_calls_failing_nearly_all_are_current_within_15_minutes(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    await shipments(settings, 400, seed=32)
    rng = random.Random(5)
    mix = [Fault("503")] * 20 + [Fault("garbage")] * 10 + [Fault("500")] * 10 + [Fault()] * 60
    carrier.faults.extend(rng.choice(mix) for _ in range(5000))

    minute_current = None
    for tick in range(31):  # a sweep every 30 s, as the worker runs it
        now = NOW + tick * 30 * SECOND
        await sweep_until_idle(settings, client=client, now=now, parallel=1)
        polled = await Shipment.filter(last_polled_at__isnull=False).count()
        if polled >= 0.99 * 400:
            minute_current = tick / 2
            break

    assert minute_current is not None and minute_current <= 15
