"""Idempotency-Key: the same key and body replay the stored answer; another body is 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette

from portal.api.idempotency import Outcome, StoredResponse, fingerprint
from portal.api.idempotency_db import DatabaseIdempotencyStore
from portal.models import Merchant, Shipment
from tests.api.conftest import api_client, make_key, make_key_id

BODY = {"tracking_number": "SBX00000000042", "carrier": "sandbox"}


async def test_the_same_key_and_body_replay_the_first_answer(api: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = await api.post("/api/v1/shipments", json=BODY, headers=headers)
    again = await api.post("/api/v1/shipments", json=dict(reversed(BODY.items())), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await Shipment.all().count() == 1


async def test_without_a_key_a_repeat_is_a_conflict(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/shipments", json=BODY)).status_code == 201
    assert (await api.post("/api/v1/shipments", json=BODY)).status_code == 409


async def test_the_same_key_with_another_body_is_422(api: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "k-2"}
    await api.post("/api/v1/shipments", json=BODY, headers=headers)
    other = {**BODY, "tracking_number": "SBX00000000043"}
    response = await api.post("/api/v1/shipments", json=other, headers=headers)
    assert response.status_code == 422
    assert response.json()["title"] == "Idempotency-Key reused"
    assert await Shipment.all().count() == 1


async def test_an_error_answer_is_replayed_too(api: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "k-3"}
    bad = {"tracking_number": "ABCDEFG123"}
    first = await api.post("/api/v1/shipments", json=bad, headers=headers)
    again = await api.post("/api/v1/shipments", json=bad, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.content == first.content


async def test_keys_belong_to_one_api_key(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant
) -> None:
    headers = {"Idempotency-Key": "shared"}
    await api.post("/api/v1/shipments", json=BODY, headers=headers)
    other_key = await make_key(shop)
    async with api_client(api_app, other_key) as other:
        response = await other.post("/api/v1/shipments", json=BODY, headers=headers)
    assert response.status_code == 409  # really ran (the number exists), not a replay


async def test_an_overlong_key_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/shipments", json=BODY, headers={"Idempotency-Key": "x" * 256}
    )
    assert response.status_code == 400


async def test_a_key_is_forgotten_after_24_hours(shop: Merchant) -> None:
    store, k = DatabaseIdempotencyStore(), await make_key_id(shop)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert (await store.begin(k, "k", "f", now)).outcome is Outcome.NEW
    assert (await store.begin(k, "k", "f", now)).outcome is Outcome.IN_FLIGHT
    await store.finish(k, "k", StoredResponse(201, b"{}", "application/json"), now)
    assert (await store.begin(k, "k", "f", now + timedelta(hours=23))).outcome is Outcome.REPLAY
    assert (await store.begin(k, "k", "g", now + timedelta(hours=23))).outcome is Outcome.MISMATCH
    assert (await store.begin(k, "k", "g", now + timedelta(hours=24))).outcome is Outcome.NEW


async def test_a_released_key_can_run_again(shop: Merchant) -> None:
    store, k = DatabaseIdempotencyStore(), await make_key_id(shop)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    await store.begin(k, "k", "f", now)
    await store.release(k, "k")
    assert (await store.begin(k, "k", "f", now)).outcome is Outcome.NEW


def test_the_fingerprint_ignores_key_order_but_not_the_path() -> None:
    assert fingerprint("POST", "/a", {"x": 1, "y": 2}) == fingerprint(
        "POST", "/a", {"y": 2, "x": 1}
    )
    assert fingerprint("POST", "/a", {"x": 1}) != fingerprint("POST", "/b", {"x": 1})
