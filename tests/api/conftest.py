"""An app with the API mounted, API keys, and a client that checks every response it gets
against the OpenAPI document: an undocumented status or a body that does not match its
documented schema fails the test that received it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from portal.api import build_mount, openapi, operations_with_document
from portal.api.operations import ApiConfig
from portal.api.ratelimit import ApiKeyLimiter
from portal.api.schemas import validate
from portal.app import create_app
from portal.models import ApiKey, Merchant
from portal.security import new_api_key
from portal.settings import Settings
from tests import factories
from tests.conftest import client_for, make_settings

DOCUMENT = openapi.build_document(operations_with_document())


def check_against_document(response: httpx.Response) -> None:
    """Fail unless ``response`` is exactly what the OpenAPI document promises."""
    request = response.request
    path = request.url.path
    if not path.startswith("/api/v1/"):
        return
    op = openapi.match(DOCUMENT, request.method, path)
    if op is None:
        assert response.status_code in (404, 405), f"{request.method} {path} is undocumented"
        assert response.headers["content-type"] == "application/problem+json"
        return
    documented = op["responses"].get(str(response.status_code))
    assert documented is not None, (
        f"{request.method} {path} answered {response.status_code}, "
        f"documented: {sorted(op['responses'])}"
    )
    content = documented.get("content")
    if content is None:
        assert response.content == b"", f"{response.status_code} should have no body"
        return
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in content, f"{media_type} is not documented for {response.status_code}"
    errors = validate(content[media_type]["schema"], json.loads(response.content))
    assert not errors, f"{request.method} {path} {response.status_code}: {errors}"
    for header in documented.get("headers", {}):
        assert header in response.headers, f"documented header {header} missing"


@pytest.fixture
def api_settings(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db)


@pytest.fixture
def api_config() -> ApiConfig:
    return ApiConfig(limiter=ApiKeyLimiter(capacity=1000, period=60))


@pytest.fixture
def api_app(api_settings: Settings, api_config: ApiConfig) -> Starlette:
    app = create_app(api_settings, manage_db=False)
    app.router.routes.insert(0, build_mount(api_config))
    return app


async def make_key(shop: Merchant, **fields: Any) -> str:
    key = new_api_key()
    await ApiKey.create(
        merchant=shop, name="test", prefix=key.prefix, key_hash=key.key_hash, **fields
    )
    return key.plaintext


async def make_key_id(shop: Merchant) -> int:
    """A new API key's row id (for limiter and idempotency store tests)."""
    key = new_api_key()
    row = await ApiKey.create(merchant=shop, name="test", prefix=key.prefix, key_hash=key.key_hash)
    return row.id


@pytest.fixture
async def shop(db: str) -> Merchant:
    return await factories.merchant()


@pytest.fixture
async def api_key(shop: Merchant) -> str:
    return await make_key(shop)


def api_client(app: Starlette, key: str | None = None) -> httpx.AsyncClient:
    client = client_for(app)

    async def check(response: httpx.Response) -> None:
        await response.aread()
        check_against_document(response)

    client.event_hooks["response"].append(check)
    if key:
        client.headers["Authorization"] = f"Bearer {key}"
    return client


@pytest.fixture
async def api(api_app: Starlette, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(api_app, api_key) as client:
        yield client
