"""Every error under /api is problem+json: 400, 401, 404, 405, 409, 413, 415, 422, 429, 500."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from portal.api.errors import ApiError, invalid_field
from tests.api.conftest import api_client

SHIPMENT = {"tracking_number": "SBX00000000001", "carrier": "sandbox"}


def _is_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    return body


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/shipments",
        content=b'{"tracking_number": ',
        headers={"Content-Type": "application/json"},
    )
    assert "not valid JSON" in _is_problem(response, 400)["detail"]


async def test_missing_key_is_401(api_app: Starlette, api_key: str) -> None:
    async with api_client(api_app) as client:
        _is_problem(await client.get("/api/v1/shipments"), 401)


async def test_an_unknown_path_is_404(api: httpx.AsyncClient) -> None:
    _is_problem(await api.get("/api/v1/nothing-here"), 404)
    _is_problem(await api.get("/api/v1/shipments/not-a-number"), 404)
    _is_problem(await api.get("/api/v1/shipments/999999"), 404)


async def test_a_wrong_method_is_405_with_allow(api: httpx.AsyncClient) -> None:
    response = await api.delete("/api/v1/orders")
    _is_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"


async def test_a_duplicate_tracking_number_is_409(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/shipments", json=SHIPMENT)).status_code == 201
    _is_problem(await api.post("/api/v1/shipments", json=SHIPMENT), 409)


async def test_a_body_over_the_limit_is_413(api: httpx.AsyncClient) -> None:
    big = {"tracking_number": "x" * (1024 * 1024 + 10)}
    _is_problem(await api.post("/api/v1/shipments", json=big), 413)


async def test_a_streamed_body_over_the_limit_is_413(api: httpx.AsyncClient) -> None:
    async def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(20):
            yield b" " * 100_000

    response = await api.post(
        "/api/v1/shipments", content=chunks(), headers={"Content-Type": "application/json"}
    )
    _is_problem(response, 413)


async def test_a_non_json_body_is_415(api: httpx.AsyncClient) -> None:
    _is_problem(await api.post("/api/v1/shipments", data={"tracking_number": "x"}), 415)
    _is_problem(
        await api.post("/api/v1/shipments", content=b"{}", headers={"Content-Type": "text/plain"}),
        415,
    )


async def test_a_json_array_instead_of_an_object_is_422(api: httpx.AsyncClient) -> None:
    body = _is_problem(await api.post("/api/v1/shipments", json=[1, 2]), 422)
    assert body["errors"] == [{"pointer": "/", "detail": "must be of type object"}]


async def test_a_vendor_json_media_type_is_accepted(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/shipments",
        content=b'{"tracking_number": "SBX00000000002", "carrier": "sandbox"}',
        headers={"Content-Type": "application/vnd.doorstep+json; charset=utf-8"},
    )
    assert response.status_code == 201


def test_an_api_error_renders_its_extras_and_headers() -> None:
    response = ApiError(429, "slow", headers={"Retry-After": "3"}).response()
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    assert b'"title":"Too Many Requests"' in response.body
    field = invalid_field("/a", "bad")
    assert field.extra == {"errors": [{"pointer": "/a", "detail": "bad"}]}


async def test_numbers_json_cannot_carry_are_400(api: httpx.AsyncClient) -> None:
    for raw in (b'{"tracking_number": 1e999}', b'{"tracking_number": NaN}'):
        response = await api.post(
            "/api/v1/shipments", content=raw, headers={"Content-Type": "application/json"}
        )
        _is_problem(response, 400)


async def test_text_a_database_cannot_store_is_422(api: httpx.AsyncClient) -> None:
    body = {
        "number": "N-1",
        "items": [{"sku": "A", "title": "B", "variant_options": {"size": "M\u0000"}}],
    }
    response = await api.post("/api/v1/orders", json=body)
    assert _is_problem(response, 422)["errors"] == [
        {"pointer": "/items/0/variant_options/size", "detail": "must not contain NUL characters"}
    ]
    lone = b'{"number": "N-\\ud800", "items": [{"sku": "A", "title": "B"}]}'
    response = await api.post(
        "/api/v1/orders", content=lone, headers={"Content-Type": "application/json"}
    )
    assert _is_problem(response, 422)["errors"][0]["detail"] == "must be valid Unicode"
