"""Polling sweeps end to end: the real sandbox carrier behind respx, real databases."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from carriers.base import Status
from carriers.sandbox import SCENARIO_EXAMPLES, codes, make_numbers
from carriers.sandbox.journey import journey
from portal import crypto
from portal.models import CarrierAccount, DomainEvent, Merchant, Shipment, TrackingEvent
from portal.settings import Settings
from portal.tracking import accounts, sweep
from portal.tracking.sweep import poll_job, poll_once, sweep_once, sweep_until_idle
from tests import factories
from tests.tracking.helpers import (
    NOW,
    Carrier,
    Fault,
    counting_queries,
    make_shipments,
)

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
ROOT = Path(__file__).resolve().parents[2]


async def shop_and_account(settings: Settings, **fields: object) -> tuple[Merchant, CarrierAccount]:
    shop = await factories.merchant()
    fields.setdefault("credentials", {"api_key": "demo"})
    account = await factories.carrier_account(shop, settings=settings, **fields)
    return shop, account


async def fresh(account: CarrierAccount) -> CarrierAccount:
    return await CarrierAccount.get(id=account.id)


async def test_a_sweep_polls_due_shipments_and_stores_their_journeys(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings)
    numbers = [*make_numbers(40, seed=7, now=NOW), SCENARIO_EXAMPLES["not_found"]]
    await make_shipments(shop, account, numbers)

    report = await sweep_once(settings, client=client, now=NOW)

    assert (report.claimed, report.polled, report.calls, report.failed) == (41, 41, 1, 0)
    assert not report.errors and not report.more_waiting
    assert report.not_found >= 1
    for shipment in await Shipment.filter(merchant=shop):
        scans = journey(shipment.tracking_number, NOW)
        expected = codes.lookup(scans[-1].code)[0] if scans else Status.PENDING
        assert shipment.status is expected, shipment.tracking_number
        assert await TrackingEvent.filter(shipment=shipment).count() == len(scans)
        assert shipment.last_polled_at == NOW
        assert shipment.next_poll_at is None or shipment.next_poll_at > NOW
    assert report.new_events == await TrackingEvent.all().count()
    assert report.status_changes == await DomainEvent.filter(kind="shipment.status_changed").count()


async def test_a_second_sweep_finds_nothing_due_and_calls_nobody(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings)
    await make_shipments(shop, account, make_numbers(10, seed=8, now=NOW))
    await make_shipments(shop, account, make_numbers(5, seed=9, now=NOW), next_poll_at=NOW + MINUTE)
    await make_shipments(shop, account, make_numbers(5, seed=10, now=NOW), next_poll_at=None)

    first = await sweep_once(settings, client=client, now=NOW)
    second = await sweep_once(settings, client=client, now=NOW)

    assert (first.claimed, second.claimed) == (10, 0)
    assert len(carrier.calls) == 1


async def test_a_rate_limited_account_waits_out_retry_after(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings)
    await make_shipments(shop, account, make_numbers(10, seed=11, now=NOW))
    carrier.fail_next(Fault("429", retry_after="120"))

    report = await sweep_once(settings, client=client, now=NOW)

    assert report.errors == Counter(rate_limited=1)
    assert (report.deferred, report.failed, report.polled) == (10, 0, 0)
    assert (await fresh(account)).rate_limited_until == NOW + timedelta(seconds=120)
    for shipment in await Shipment.filter(merchant=shop):
        assert shipment.next_poll_at >= NOW + timedelta(seconds=120)
        assert (shipment.poll_failures, shipment.status) == (0, Status.PENDING)

    # A newcomer due meanwhile is claimed but not sent to the waiting carrier.
    await make_shipments(shop, account, make_numbers(1, seed=12, now=NOW), next_poll_at=NOW)
    waiting = await sweep_once(settings, client=client, now=NOW + MINUTE)
    assert (waiting.claimed, waiting.deferred, len(carrier.calls)) == (1, 1, 1)

    later = await sweep_once(settings, client=client, now=NOW + 3 * MINUTE)
    assert (later.polled, later.errors) == (11, Counter())


async def test_a_429_without_retry_after_backs_off_by_the_default(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings)
    await make_shipments(shop, account, make_numbers(3, seed=13, now=NOW))
    carrier.fail_next(Fault("429", retry_after="none"))

    await sweep_once(settings, client=client, now=NOW)

    until = (await fresh(account)).rate_limited_until
    assert until == NOW + accounts.DEFAULT_RATE_LIMIT_BACKOFF


@pytest.mark.parametrize(
    "fault", [Fault("503"), Fault("500"), Fault(error=httpx.ReadTimeout("carrier too slow"))]
)
async def test_an_unavailable_carrier_backs_off_each_shipment_and_keeps_history(
    db: str,
    settings: Settings,
    carrier: Carrier,
    client: httpx.AsyncClient,
    fault: Fault,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sweep, "SPLIT_DEPTH", 0)  # the call is not retried in halves
    shop, account = await shop_and_account(settings)
    await make_shipments(shop, account, make_numbers(8, seed=14, now=NOW))
    await sweep_once(settings, client=client, now=NOW)
    before = {s.id: (s.status, s.last_event_at) for s in await Shipment.filter(merchant=shop)}
    events_before = await TrackingEvent.all().count()
    await Shipment.filter(merchant=shop).update(next_poll_at=NOW)
    carrier.fail_next(fault)

    later = NOW + MINUTE
    report = await sweep_once(settings, client=client, now=later)

    assert report.errors == Counter(unavailable=1)
    assert report.failed == 8
    for shipment in await Shipment.filter(merchant=shop):
        assert (shipment.status, shipment.last_event_at) == before[shipment.id]
        assert shipment.poll_failures == 1
        assert shipment.last_error
        assert later + 15 * SECOND <= shipment.next_poll_at <= later + 30 * SECOND
    assert await TrackingEvent.all().count() == events_before
    account = await fresh(account)
    assert (account.consecutive_failures, account.circuit_open_until) == (1, None)


async def test_the_circuit_opens_after_repeated_failures_and_stops_calls(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings, consecutive_failures=3)
    await make_shipments(shop, account, make_numbers(300, seed=15, now=NOW))
    carrier.always = Fault("503")

    report = await sweep_once(settings, client=client, now=NOW, per_account=1)

    # The first call's halves wait for a slot behind the second call, which opens the
    # circuit: they are given back with the third batch, not retried.
    assert (len(carrier.calls), report.failed, report.deferred) == (2, 100, 200)
    account = await fresh(account)
    assert account.consecutive_failures == accounts.CIRCUIT_THRESHOLD
    assert account.circuit_open_until == NOW + accounts.CIRCUIT_COOLDOWN
    health = await accounts.merchant_health(shop.id, NOW)
    assert [h.health for h in health] == [accounts.Health.CIRCUIT_OPEN]

    await Shipment.filter(merchant=shop).update(next_poll_at=NOW + 10 * SECOND)
    while_open = await sweep_once(settings, client=client, now=NOW + 10 * SECOND)
    assert (while_open.claimed, while_open.deferred, len(carrier.calls)) == (300, 300, 2)
    assert min(s.next_poll_at for s in await Shipment.filter(merchant=shop)) >= (
        NOW + accounts.CIRCUIT_COOLDOWN
    )


async def test_a_successful_probe_closes_the_circuit(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(
        settings, consecutive_failures=7, circuit_open_until=NOW - MINUTE
    )
    await make_shipments(shop, account, make_numbers(250, seed=16, now=NOW))

    report = await sweep_once(settings, client=client, now=NOW)

    assert (report.polled, report.calls) == (250, 3)
    account = await fresh(account)
    assert (account.circuit_open_until, account.consecutive_failures) == (None, 0)
    assert account.last_success_at == NOW


async def test_a_failed_probe_reopens_the_circuit_after_a_single_call(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(
        settings, consecutive_failures=5, circuit_open_until=NOW - MINUTE
    )
    await make_shipments(shop, account, make_numbers(250, seed=17, now=NOW))
    carrier.always = Fault("502")

    report = await sweep_once(settings, client=client, now=NOW)

    assert (len(carrier.calls), report.failed, report.deferred) == (1, 100, 150)
    # The failed probe makes the streak 6: the next wait is twice the first.
    assert (await fresh(account)).circuit_open_until == NOW + 2 * accounts.CIRCUIT_COOLDOWN


async def test_garbage_is_logged_raw_and_kept_as_an_excerpt(
    db: str,
    settings: Settings,
    carrier: Carrier,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shop, account = await shop_and_account(settings)
    [shipment] = await make_shipments(shop, account, [SCENARIO_EXAMPLES["delivered"]])
    carrier.fail_next(Fault("garbage"))

    with caplog.at_level(logging.WARNING, logger="portal.tracking.sweep"):
        report = await sweep_once(settings, client=client, now=NOW)

    assert report.errors == Counter(bad_response=1)
    assert "502 Bad Gateway (sandbox)" in caplog.text
    stored = await Shipment.get(id=shipment.id)
    assert stored.last_error is not None and "502 Bad Gateway (sandbox)" in stored.last_error
    assert (stored.status, stored.poll_failures) == (Status.PENDING, 1)
    assert (await fresh(account)).consecutive_failures == 0


async def test_an_adapter_bug_is_recorded_and_does_not_stop_the_sweep(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings)
    other_shop, other_account = await shop_and_account(settings)
    [broken] = await make_shipments(shop, account, make_numbers(1, seed=30, now=NOW))
    [fine] = await make_shipments(other_shop, other_account, make_numbers(1, seed=31, now=NOW))
    carrier.fail_next(Fault(error=RuntimeError("adapter bug")))

    report = await sweep_once(settings, client=client, now=NOW, max_accounts=1)

    assert (report.errors, report.polled, report.failed) == (Counter(unexpected=1), 1, 1)
    assert "RuntimeError: adapter bug" in ((await Shipment.get(id=broken.id)).last_error or "")
    assert (await Shipment.get(id=fine.id)).last_polled_at == NOW


async def test_rejected_credentials_pause_the_account_once_and_tell_the_merchant(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings, credentials={"api_key": "bad-key"})
    await make_shipments(shop, account, make_numbers(5, seed=18, now=NOW))

    report = await sweep_once(settings, client=client, now=NOW)

    assert (report.errors, report.deferred) == (Counter(auth=1), 5)
    account = await fresh(account)
    assert account.paused_reason
    [told] = await DomainEvent.filter(kind=accounts.AUTH_FAILED)
    assert (told.merchant_id, told.subject_id) == (shop.id, account.id)
    assert all(s.poll_failures == 0 for s in await Shipment.filter(merchant=shop))

    await Shipment.filter(merchant=shop).update(next_poll_at=NOW)
    paused = await sweep_once(settings, client=client, now=NOW + MINUTE)
    assert (paused.deferred, len(carrier.calls)) == (5, 1)
    assert await DomainEvent.filter(kind=accounts.AUTH_FAILED).count() == 1

    account.credentials_encrypted = crypto.encrypt_json(settings, {"api_key": "fixed"})
    await account.save()
    assert await accounts.resume(account, NOW + 2 * MINUTE) == 5
    resumed = await sweep_once(settings, client=client, now=NOW + 2 * MINUTE)
    assert (resumed.polled, resumed.errors) == (5, Counter())


async def test_a_shipment_without_account_is_polled_through_the_merchants_only_one(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, _ = await shop_and_account(settings)
    lonely = await factories.merchant()
    crowded, _ = await shop_and_account(settings)
    await factories.carrier_account(crowded, settings=settings, credentials={"api_key": "b"})
    [mine] = await make_shipments(shop, None, make_numbers(1, seed=19, now=NOW))
    [orphan] = await make_shipments(lonely, None, make_numbers(1, seed=20, now=NOW))
    [ambiguous] = await make_shipments(crowded, None, make_numbers(1, seed=21, now=NOW))

    report = await sweep_once(settings, client=client, now=NOW)

    assert (report.polled, report.skipped) == (1, 2)
    assert (await Shipment.get(id=mine.id)).last_polled_at == NOW
    for parked in (orphan, ambiguous):
        stored = await Shipment.get(id=parked.id)
        assert stored.last_polled_at is None
        assert stored.next_poll_at == NOW + accounts.PARK
        assert stored.last_error == sweep.NO_ACCOUNT


async def test_a_shipment_without_account_is_polled_through_the_carriers_default(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, first = await shop_and_account(settings)
    default = await factories.carrier_account(
        shop, settings=settings, credentials={"api_key": "b"}, is_default=True
    )
    [unnamed] = await make_shipments(shop, None, make_numbers(1, seed=22, now=NOW))

    report = await sweep_once(settings, client=client, now=NOW)

    assert (report.polled, report.skipped) == (1, 0)
    assert (await Shipment.get(id=unnamed.id)).last_polled_at == NOW
    assert (await fresh(default)).last_success_at == NOW
    assert (await fresh(first)).last_success_at is None


async def test_a_disabled_account_is_not_called(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings, enabled=False)
    await make_shipments(shop, account, make_numbers(4, seed=22, now=NOW))

    report = await sweep_once(settings, client=client, now=NOW)

    assert (report.claimed, report.deferred, carrier.calls) == (4, 4, [])


async def test_two_concurrent_sweeps_never_poll_a_shipment_twice(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings)
    # Fewer than two batches: the second claim would take the first one's rows if it could.
    numbers = make_numbers(70, seed=23, now=NOW)
    await make_shipments(shop, account, numbers)
    carrier.always = Fault(delay=0.02)

    reports = await asyncio.gather(
        *(
            sweep_until_idle(settings, client=client, now=NOW, batch_size=40, parallel=1)
            for _ in range(2)
        )
    )

    assert carrier.per_number() == Counter(numbers)
    assert sorted(r.claimed for r in reports) == [30, 40]


_WORKER = """
import asyncio, json, sys, time
import httpx, respx
from portal import db
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests.tracking.helpers import BASE, NOW, Carrier, Fault

async def main(url, start_at, secret):
    await db.connect(url)
    carrier = Carrier()
    carrier.always = Fault(delay=0.002)
    settings = Settings(secret_key=secret, carrier_base_urls={"sandbox": BASE})
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{BASE}/v1/track").mock(side_effect=carrier.handle)
        while time.time() < start_at:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient() as client:
            report = await sweep_until_idle(settings, client=client, now=NOW, batch_size=25)
    await carrier.asgi.aclose()
    await db.disconnect()
    print(json.dumps({"numbers": [n for c in carrier.calls for n in c], "claimed": report.claimed}))

asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3]))
"""


async def test_two_worker_processes_never_poll_a_shipment_twice(
    db: str, settings: Settings
) -> None:
    if not db.startswith("postgres"):
        pytest.skip("several worker processes share the work on PostgreSQL")
    shop, account = await shop_and_account(settings)
    numbers = make_numbers(1000, seed=24, now=NOW)
    await make_shipments(shop, account, numbers)

    start_at = str(time.time() + 4.0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORKER,
            db,
            start_at,
            settings.secret_key,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [await asyncio.wait_for(w.communicate(), timeout=120) for w in workers]

    assert all(w.returncode == 0 for w in workers), [err.decode()[-2000:] for _, err in outputs]
    answers = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    polled = Counter(n for a in answers for n in a["numbers"])
    assert polled == Counter(numbers)
    assert all(a["claimed"] > 0 for a in answers)
    assert await Shipment.filter(merchant=shop, last_polled_at=NOW).count() == 1000


async def test_a_sweep_costs_the_same_statements_for_50_or_500_shipments(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient, emits: list[str]
) -> None:
    async def statements(count: int, seed: int) -> tuple[int, int]:
        shop, account = await shop_and_account(settings)
        await make_shipments(shop, account, make_numbers(count, seed=seed, now=NOW))
        emits.clear()
        with counting_queries() as first:
            report = await sweep_once(settings, client=client, now=NOW)
        assert report.polled == count
        assert len(emits) == report.status_changes + report.delayed
        await Shipment.filter(merchant=shop).update(next_poll_at=NOW + MINUTE)
        with counting_queries() as steady:
            again = await sweep_once(settings, client=client, now=NOW + MINUTE)
        assert again.polled == count and again.new_events == 0
        return first.count, steady.count

    assert await statements(50, seed=25) == await statements(500, seed=26)


async def test_sweeping_until_idle_drains_every_due_shipment_in_batches(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings)
    await make_shipments(shop, account, make_numbers(120, seed=27, now=NOW))

    first = await sweep_once(settings, client=client, now=NOW, batch_size=50)
    rest = await sweep_until_idle(settings, client=client, now=NOW, batch_size=50)

    assert first.more_waiting and not rest.more_waiting
    assert (first.claimed, rest.claimed) == (50, 70)
    assert "claimed 70" in rest.summary()


async def test_poll_once_polls_everything_due_with_its_own_client(
    db: str, settings: Settings, carrier: Carrier
) -> None:
    shop, account = await shop_and_account(settings)
    await make_shipments(shop, account, make_numbers(30, seed=28, now=NOW))

    report = await poll_once(settings, now=NOW, batch_size=20)

    assert (report.claimed, report.polled) == (30, 30)


async def test_the_scheduler_job_sweeps_and_says_nothing_is_waiting(
    db: str, settings: Settings, carrier: Carrier, client: httpx.AsyncClient
) -> None:
    shop, account = await shop_and_account(settings)
    long_ago = NOW - timedelta(days=365)  # the job runs on the real clock
    await make_shipments(shop, account, make_numbers(5, seed=29, now=NOW), next_poll_at=long_ago)

    assert await poll_job(settings, client) is False
    assert await Shipment.filter(merchant=shop, last_polled_at__isnull=True).count() == 0


async def test_an_answer_the_carrier_already_gave_is_not_parsed_again(
    db: str,
    settings: Settings,
    carrier: Carrier,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from carriers.sandbox import parse

    shop, account = await shop_and_account(settings)
    await make_shipments(shop, account, make_numbers(30, seed=41, now=NOW))
    first = await sweep_once(settings, client=client, now=NOW)
    assert first.new_events > 0
    stored = {s.id: s for s in await Shipment.filter(merchant=shop)}
    assert all(s.poll_digest for s in stored.values())
    parsed: list[str] = []
    real = parse.parse_parcel

    def counting(item: object) -> object:
        parsed.append(str(item))
        return real(item)

    monkeypatch.setattr(parse, "parse_parcel", counting)
    await Shipment.filter(merchant=shop).update(next_poll_at=NOW + MINUTE)

    again = await sweep_once(settings, client=client, now=NOW + MINUTE)

    assert (again.polled, again.new_events, again.status_changes) == (30, 0, 0)
    assert parsed == []  # the carrier's answers are the ones merged last time
    for shipment in await Shipment.filter(merchant=shop):
        before = stored[shipment.id]
        assert shipment.last_polled_at == NOW + MINUTE
        assert (shipment.status, shipment.last_event_at, shipment.poll_digest) == (
            before.status,
            before.last_event_at,
            before.poll_digest,
        )

    # A day later the carrier has more to say about some parcels: only those are parsed.
    carrier.now = NOW + timedelta(days=1)
    await Shipment.filter(merchant=shop).update(next_poll_at=NOW + timedelta(days=1))
    later = await sweep_once(settings, client=client, now=NOW + timedelta(days=1))
    assert later.polled == 30
    assert 0 < len(parsed) <= 30
    for shipment in await Shipment.filter(merchant=shop):
        scans = journey(shipment.tracking_number, NOW + timedelta(days=1))
        assert await TrackingEvent.filter(shipment=shipment).count() == len(scans)
