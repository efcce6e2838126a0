"""The request pipeline: order of checks, server errors as problems, keys released on 5xx."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from portal.api.operations import ApiConfig, Call, Operation, PathEndpoint, Reply
from portal.api.ratelimit import ApiKeyLimiter
from portal.api.schemas import obj, string
from portal.app import create_app
from tests.api.conftest import api_client
from tests.conftest import client_for, make_settings


async def test_authentication_comes_before_reading_the_body(
    api_app: Starlette, api_key: str
) -> None:
    async with api_client(api_app) as client:
        response = await client.post(
            "/api/v1/orders", content=b"not json", headers={"Content-Type": "text/plain"}
        )
    assert response.status_code == 401


async def test_an_unexpected_error_is_a_problem_and_frees_the_idempotency_key(
    tmp_path: Path, db: str, api_key: str
) -> None:
    calls = []

    async def flaky(call: Call) -> Reply:
        calls.append(call.body)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return Reply(201, {"ok": True})

    op = Operation(
        "POST",
        "/flaky",
        "flaky",
        "Fails once",
        "test",
        flaky,
        {201: None},
        body=obj({"a": string()}),
    )
    app = create_app(make_settings(tmp_path, database_url=db), manage_db=False)
    config = ApiConfig(limiter=ApiKeyLimiter(capacity=100))
    app.router.routes.insert(
        0, Mount("/api/v1", routes=[Route("/flaky", PathEndpoint([op], config))])
    )
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": "retry-me"}
    async with client_for(app, raise_app_exceptions=False) as client:
        failed = await client.post("/api/v1/flaky", json={"a": "x"}, headers=headers)
        retried = await client.post("/api/v1/flaky", json={"a": "x"}, headers=headers)
        replayed = await client.post("/api/v1/flaky", json={"a": "x"}, headers=headers)
    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert "database went away" not in failed.text
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert replayed.headers["idempotent-replayed"] == "true"
    assert len(calls) == 2


async def test_rate_limit_headers_come_with_errors_too(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/shipments/12345")
    assert response.status_code == 404
    assert "ratelimit-remaining" in response.headers
