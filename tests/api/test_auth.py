"""Bearer API keys: missing, malformed, unknown, wrong secret, revoked → 401; last use noted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from portal.api.auth import authenticate
from portal.api.errors import ApiError
from portal.models import ApiKey, Merchant
from tests.api.conftest import api_client, make_key


@pytest.mark.parametrize(
    "header",
    [None, "Basic abc", "Bearer ", "Bearer nonsense", "Bearer dsk_000000000000_wrong"],
)
async def test_a_request_without_a_valid_key_is_unauthorized(
    api_app: Starlette, api_key: str, header: str | None
) -> None:
    async with api_client(api_app) as client:
        headers = {"Authorization": header} if header else {}
        response = await client.get("/api/v1/orders", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith('Bearer realm="doorstep"')


async def test_a_key_with_a_wrong_secret_is_refused(api_app: Starlette, api_key: str) -> None:
    forged = api_key[:-4] + ("AAAA" if not api_key.endswith("AAAA") else "BBBB")
    async with api_client(api_app, forged) as client:
        response = await client.get("/api/v1/orders")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_revoked_key_is_refused(api_app: Starlette, shop: Merchant) -> None:
    key = await make_key(shop, revoked_at=datetime.now(UTC))
    async with api_client(api_app, key) as client:
        response = await client.get("/api/v1/orders")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


async def test_a_valid_key_goes_through(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/orders")).status_code == 200


async def test_last_use_is_written_at_most_once_a_minute(shop: Merchant) -> None:
    key = await make_key(shop)
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    caller = await authenticate(f"Bearer {key}", now=start)
    assert caller.merchant_id == shop.id
    await authenticate(f"Bearer {key}", now=start + timedelta(seconds=30))
    assert (await ApiKey.get(id=caller.api_key_id)).last_used_at == start
    await authenticate(f"Bearer {key}", now=start + timedelta(seconds=61))
    assert (await ApiKey.get(id=caller.api_key_id)).last_used_at == start + timedelta(seconds=61)


async def test_an_unknown_prefix_is_refused_without_a_lookup_hit(db: str) -> None:
    with pytest.raises(ApiError) as raised:
        await authenticate("Bearer dsk_abcdefabcdef_secret")
    assert raised.value.status == 401
