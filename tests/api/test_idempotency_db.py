"""Idempotency records in the database: one reservation and one answer across processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.applications import Starlette

from portal.api import build_mount
from portal.api.idempotency import IN_FLIGHT_LEASE, Outcome, StoredResponse, fingerprint
from portal.api.idempotency_db import DatabaseIdempotencyStore, purge_records
from portal.api.operations import ApiConfig
from portal.api.ratelimit import ApiKeyLimiter
from portal.app import create_app
from portal.models import ApiKey, IdempotencyRecord, Merchant, Shipment
from tests.api.conftest import api_client, make_key, make_key_id
from tests.conftest import make_settings

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
ANSWER = StoredResponse(201, b'{"id": 7}', "application/json", "/api/v1/shipments/7")
BODY = {"tracking_number": "SBX00000000042", "carrier": "sandbox"}


async def test_a_finished_answer_is_replayed_exactly(shop: Merchant) -> None:
    store, key_id = DatabaseIdempotencyStore(), await make_key_id(shop)
    assert (await store.begin(key_id, "k", "f", NOW)).outcome is Outcome.NEW
    assert (await store.begin(key_id, "k", "f", NOW)).outcome is Outcome.IN_FLIGHT
    await store.finish(key_id, "k", ANSWER, NOW)
    replay = await store.begin(key_id, "k", "f", NOW + timedelta(hours=1))
    assert replay.outcome is Outcome.REPLAY
    assert replay.stored == ANSWER


async def test_another_fingerprint_is_a_mismatch(shop: Merchant) -> None:
    store, key_id = DatabaseIdempotencyStore(), await make_key_id(shop)
    await store.begin(key_id, "k", "f", NOW)
    assert (await store.begin(key_id, "k", "g", NOW)).outcome is Outcome.MISMATCH
    await store.finish(key_id, "k", ANSWER, NOW)
    assert (await store.begin(key_id, "k", "g", NOW)).outcome is Outcome.MISMATCH


async def test_a_crashed_reservation_is_taken_over_after_its_lease(shop: Merchant) -> None:
    store, key_id = DatabaseIdempotencyStore(), await make_key_id(shop)
    await store.begin(key_id, "k", "f", NOW)
    later = NOW + IN_FLIGHT_LEASE + timedelta(seconds=1)
    assert (await store.begin(key_id, "k", "f", later)).outcome is Outcome.NEW
    assert (await store.begin(key_id, "k", "f", later)).outcome is Outcome.IN_FLIGHT
    assert await IdempotencyRecord.all().count() == 1


async def test_only_one_of_many_takes_over_a_lapsed_lease(shop: Merchant) -> None:
    store, key_id = DatabaseIdempotencyStore(), await make_key_id(shop)
    await store.begin(key_id, "k", "f", NOW)
    later = NOW + IN_FLIGHT_LEASE * 2
    outcomes = await asyncio.gather(*(store.begin(key_id, "k", "f", later) for _ in range(8)))
    assert sorted(o.outcome.value for o in outcomes) == ["in_flight"] * 7 + ["new"]


async def test_a_record_past_retention_starts_over(shop: Merchant) -> None:
    store, key_id = DatabaseIdempotencyStore(), await make_key_id(shop)
    await store.begin(key_id, "k", "f", NOW)
    await store.finish(key_id, "k", ANSWER, NOW)
    assert (await store.begin(key_id, "k", "g", NOW + timedelta(hours=24))).outcome is Outcome.NEW


async def test_a_released_key_can_run_again(shop: Merchant) -> None:
    store, key_id = DatabaseIdempotencyStore(), await make_key_id(shop)
    await store.begin(key_id, "k", "f", NOW)
    await store.release(key_id, "k")
    assert (await store.begin(key_id, "k", "f", NOW)).outcome is Outcome.NEW


async def test_release_keeps_a_finished_answer(shop: Merchant) -> None:
    store, key_id = DatabaseIdempotencyStore(), await make_key_id(shop)
    await store.begin(key_id, "k", "f", NOW)
    await store.finish(key_id, "k", ANSWER, NOW)
    await store.release(key_id, "k")
    assert (await store.begin(key_id, "k", "f", NOW)).outcome is Outcome.REPLAY


async def test_keys_are_scoped_to_the_api_key(shop: Merchant) -> None:
    store = DatabaseIdempotencyStore()
    first, second = await make_key_id(shop), await make_key_id(shop)
    await store.begin(first, "k", "f", NOW)
    assert (await store.begin(second, "k", "g", NOW)).outcome is Outcome.NEW


async def test_the_purge_forgets_records_older_than_a_day(shop: Merchant) -> None:
    store, key_id = DatabaseIdempotencyStore(), await make_key_id(shop)
    await store.begin(key_id, "old", "f", NOW - timedelta(hours=25))
    await store.begin(key_id, "new", "f", NOW - timedelta(hours=23))
    assert await purge_records(NOW) == 1
    assert await IdempotencyRecord.filter(key="new").exists()


def _process(tmp_path: Path, db: str, name: str) -> Starlette:
    """One "web process": its own app, store and limiter objects; the shared database."""
    app = create_app(make_settings(tmp_path / name, database_url=db), manage_db=False)
    config = ApiConfig(limiter=ApiKeyLimiter(capacity=1000))
    app.router.routes.insert(0, build_mount(config))
    return app


async def test_two_processes_give_one_answer_for_one_key(
    tmp_path: Path, db: str, shop: Merchant
) -> None:
    key = await make_key(shop)
    apps = [_process(tmp_path, db, name) for name in ("one", "two")]
    headers = {"Idempotency-Key": "order-42"}
    async with api_client(apps[0], key) as one, api_client(apps[1], key) as two:
        racing = await asyncio.gather(
            *(c.post("/api/v1/shipments", json=BODY, headers=headers) for c in (one, two) * 3)
        )
        assert {r.status_code for r in racing} <= {201, 409}
        created = [r for r in racing if r.status_code == 201]
        assert created, "one of the racing requests ran"
        assert len({r.json()["id"] for r in created}) == 1
        # Once it has finished, both processes replay the same answer.
        replays = [
            await c.post("/api/v1/shipments", json=BODY, headers=headers) for c in (one, two)
        ]
    assert [r.status_code for r in replays] == [201, 201]
    assert all(r.headers["idempotent-replayed"] == "true" for r in replays)
    assert {r.json()["id"] for r in replays} == {created[0].json()["id"]}
    assert await Shipment.all().count() == 1


async def test_an_in_flight_key_answers_a_documented_409(api_app: Starlette, api_key: str) -> None:
    store = DatabaseIdempotencyStore()
    key_id = (await ApiKey.get()).id
    await store.begin(key_id, "busy", "whatever", datetime.now(UTC))
    async with api_client(api_app, api_key) as client:  # checks against the document
        body = {"url": "https://x.test/h", "topics": ["*"]}
        response = await client.post(
            "/api/v1/webhook-endpoints", json=body, headers={"Idempotency-Key": "busy"}
        )
    assert response.status_code == 422  # another body than the reservation's
    await store.release(key_id, "busy")
    fp = fingerprint("POST", "/api/v1/webhook-endpoints", body)
    await store.begin(key_id, "busy", fp, datetime.now(UTC))
    async with api_client(api_app, api_key) as client:
        response = await client.post(
            "/api/v1/webhook-endpoints", json=body, headers={"Idempotency-Key": "busy"}
        )
    assert response.status_code == 409
    assert response.headers["retry-after"] == "1"
